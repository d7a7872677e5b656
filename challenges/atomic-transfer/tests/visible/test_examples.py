"""The prompt's examples, through the challenge's driver."""

ACCOUNTS = [
    {"id": 1, "owner": "ann", "balance": "100.00"},
    {"id": 2, "owner": "bob", "balance": "20.00"},
]


def test_transfer_and_audit(driver):
    obs = driver.scenario(accounts=ACCOUNTS, actions=[["transfer", 1, 2, "30.00"], ["transfer", 2, 1, "80.00"]])
    assert obs["results"] == [["ok", None], ["error", "InsufficientFunds"]]
    assert obs["balances"] == {1: "70.00", 2: "50.00"}
    assert obs["audit"] == [{"from": 1, "to": 2, "amount": "30.00", "in_transaction": False}]


def test_transfer_many(driver):
    obs = driver.scenario(accounts=ACCOUNTS, actions=[["many", [[1, 2, "10.00"], [2, 2, "1.00"], [2, 1, "500.00"]]]])
    assert obs["results"] == [["ok", [True, False, False]]]
    assert obs["balances"] == {1: "90.00", 2: "30.00"}


def test_rolled_back_caller_means_no_audit(driver):
    obs = driver.scenario(accounts=ACCOUNTS, actions=[["atomic_rollback", [["transfer", 1, 2, "10.00"]]]])
    assert obs["results"] == [["ok", {"inner": [["ok", None]], "audit_inside": 0}]]
    assert obs["balances"] == {1: "100.00", 2: "20.00"}
    assert obs["audit"] == []
