"""The prompt's example, through the challenge's driver."""

from decimal import Decimal


def test_create_then_update(driver):
    obs = driver.run_scenario(actions=[["create", "inv", "10.50", "0.0500"], ["set", "inv", "100.00", "0.0500"]])
    created, updated = obs["steps"]
    assert created["error"] is None, created
    assert Decimal(created["row"]["total"]) == Decimal("11.03")
    assert created["instance"]["type"] == "Decimal" and Decimal(created["instance"]["total"]) == Decimal("11.03")
    assert len(created["sql"]) == 2 and created["sql"][1].startswith("UPDATE"), created["sql"]
    assert len(created["signals"]) == 1, created["signals"]
    assert Decimal(updated["row"]["total"]) == Decimal("105.00")
    assert len(updated["sql"]) == 2 and len(updated["signals"]) == 1, updated


def test_two_threads(driver):
    obs = driver.concurrent_scenario(first=["create", "10.50", "0.0500"], second=["create", "1.00", "0.0050"])
    assert sorted(Decimal(r["total"]) for r in obs["rows"]) == [Decimal("1.01"), Decimal("11.03")], obs
