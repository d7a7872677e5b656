"""Hidden suite for signal-recursion.

The driver connects `solution.update_total` to post_save of Invoice, performs
the saves listed here and reports, per save: the SQL it ran, the post_save
signals sent, the instance's total and the stored row. The expected totals are
computed here, with Decimal and ROUND_HALF_UP.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

CENT = Decimal("0.01")


def expected_total(subtotal: str, tax_rate: str) -> Decimal:
    return (Decimal(subtotal) * (1 + Decimal(tax_rate))).quantize(CENT, rounding=ROUND_HALF_UP)


def run(driver, actions):
    obs = driver.run(actions=actions)
    for step in obs["steps"]:
        assert not step["in_atomic"], "the handler left a transaction open"
    return obs


def assert_total(step, subtotal, tax_rate, *, what="save"):
    """The save succeeded and both the row and the instance hold the expected total."""
    want = expected_total(subtotal, tax_rate)
    assert step["error"] is None, f"{what} raised {step['error']}; SQL: {step['sql']}"
    row = step["row"]
    assert row is not None and row["total"] is not None, f"{what}: the row has no total: {row}"
    assert Decimal(row["total"]) == want, (
        f"{what}: stored total {row['total']}, expected {want} ({subtotal} x (1 + {tax_rate}))"
    )
    instance = step["instance"]
    assert instance["type"] == "Decimal", (
        f"{what}: instance.total is a {instance['type']} ({instance['total']}), not a Decimal"
    )
    assert Decimal(instance["total"]) == want, f"{what}: instance.total is {instance['total']}, expected {want}"


def assert_one_update(step, *, first_verb, what="save"):
    """Exactly two statements: Django's own (`first_verb`) and one UPDATE of total; one post_save."""
    sql = step["sql"]
    assert len(sql) == 2, (
        f"{what}: expected Django's {first_verb} plus exactly one UPDATE, got {len(sql)} statements: {sql}"
    )
    assert sql[0].lstrip().upper().startswith(first_verb), (
        f"{what}: first statement is not the save's {first_verb}: {sql}"
    )
    extra = sql[1].lstrip().upper()
    assert extra.startswith("UPDATE") and "TOTAL" in extra, (
        f"{what}: the extra statement is not an UPDATE of total: {sql}"
    )
    signals = step["signals"]
    assert len(signals) == 1, f"{what}: expected exactly one post_save signal, got {len(signals)}: {signals}"


# ---------------------------------------------------------------- create


@pytest.mark.weight(3)
def test_create_sets_total_in_the_row_and_on_the_instance(driver):
    obs = run(driver, [["create", "a", "100.00", "0.2000"]])
    assert_total(obs["steps"][0], "100.00", "0.2000", what="create")
    assert obs["rows"][0]["subtotal"] == "100.00"


@pytest.mark.weight(3)
def test_create_runs_one_extra_update_and_one_post_save(driver):
    obs = run(driver, [["create", "a", "10.50", "0.0500"]])
    step = obs["steps"][0]
    assert_total(step, "10.50", "0.0500", what="create")
    assert_one_update(step, first_verb="INSERT", what="create")
    assert step["signals"][0]["created"] is True


@pytest.mark.weight(2)
def test_objects_create(driver):
    obs = run(driver, [["objects_create", "a", "19.99", "0.0725"], ["objects_create", "b", "0.00", "0.2000"]])
    for step, (s, r) in zip(obs["steps"], [("19.99", "0.0725"), ("0.00", "0.2000")], strict=True):
        assert_total(step, s, r, what="Invoice.objects.create")
        assert_one_update(step, first_verb="INSERT", what="Invoice.objects.create")


# ---------------------------------------------------------------- update


@pytest.mark.weight(3)
def test_update_of_the_same_instance_recomputes_the_total(driver):
    obs = run(driver, [["create", "a", "10.50", "0.0500"], ["set", "a", "100.00", "0.0500"]])
    step = obs["steps"][1]
    assert_total(step, "100.00", "0.0500", what="update")
    assert_one_update(step, first_verb="UPDATE", what="update")
    assert step["signals"][0]["created"] is False


@pytest.mark.weight(2)
def test_update_of_a_freshly_fetched_instance(driver):
    obs = run(driver, [["create", "a", "10.00", "0.1000"], ["reload_set", "a", "12.34", "0.1250"]])
    step = obs["steps"][1]
    assert_total(step, "12.34", "0.1250", what="update of a fetched instance")
    assert_one_update(step, first_verb="UPDATE", what="update of a fetched instance")


@pytest.mark.weight(2)
def test_save_with_update_fields_recomputes_the_total(driver):
    actions = [
        ["create", "a", "10.00", "0.1000"],
        ["set_fields", "a", {"subtotal": "20.00"}, ["subtotal"]],
        ["set_fields", "a", {"tax_rate": "0.0050"}, ["tax_rate"]],
        ["set_fields", "a", {"subtotal": "1.00", "tax_rate": "0.0050"}, ["subtotal", "tax_rate", "total"]],
    ]
    obs = run(driver, actions)
    for step, (s, r) in zip(
        obs["steps"][1:], [("20.00", "0.1000"), ("20.00", "0.0050"), ("1.00", "0.0050")], strict=True
    ):
        assert_total(step, s, r, what="save(update_fields=...)")
        assert_one_update(step, first_verb="UPDATE", what="save(update_fields=...)")


def test_save_without_changes_still_runs_one_update(driver):
    obs = run(driver, [["create", "a", "2.50", "0.0100"], ["save", "a"], ["save", "a"]])
    for step in obs["steps"][1:]:
        assert_total(step, "2.50", "0.0100", what="unchanged save")
        assert_one_update(step, first_verb="UPDATE", what="unchanged save")


def test_total_assigned_by_hand_is_overwritten(driver):
    obs = run(driver, [["create", "a", "1.00", "0.0050"], ["set_fields", "a", {"total": "999.99"}, ["total"]]])
    assert_total(obs["steps"][1], "1.00", "0.0050", what="save with a hand-set total")


@pytest.mark.weight(2)
def test_only_the_saved_row_changes(driver):
    actions = [
        ["create", "a", "10.00", "0.1000"],
        ["create", "b", "20.00", "0.2000"],
        ["create", "c", "30.00", "0.3000"],
        ["set", "b", "21.00", "0.0000"],
    ]
    obs = run(driver, actions)
    totals = [Decimal(r["total"]) for r in obs["rows"]]
    assert totals == [Decimal("11.00"), Decimal("21.00"), Decimal("39.00")], obs["rows"]


# ---------------------------------------------------------------- rounding

TIES = [
    # (subtotal, tax_rate): exact product; half-up differs from half-even, ROUND_UP, truncation or float
    ("1.00", "0.0050"),  # 1.005 -> 1.01 (half-even 1.00; float 1.00)
    ("10.50", "0.0500"),  # 11.025 -> 11.03 (half-even 11.02)
    ("2.50", "0.0100"),  # 2.525 -> 2.53 (half-even and float 2.52)
    ("0.10", "0.0500"),  # 0.105 -> 0.11 (half-even 0.10)
    ("1.00", "0.0010"),  # 1.001 -> 1.00 (ROUND_UP 1.01)
    ("1.00", "0.0090"),  # 1.009 -> 1.01 (truncation 1.00)
    ("1.00", "0.0150"),  # 1.015 -> 1.02 (float 1.01)
    ("0.01", "0.5000"),  # 0.015 -> 0.02 (float 0.01)
    ("0.03", "0.5000"),  # 0.045 -> 0.05 (half-even and float 0.04)
    ("12.34", "0.1250"),  # 13.8825 -> 13.88 (ROUND_UP 13.89)
    ("33.33", "0.0750"),  # 35.82975 -> 35.83 (truncation 35.82)
    ("2222.00", "0.0925"),  # 2427.535 -> 2427.54 (float 2427.53)
    ("7793.88", "0.1250"),  # 8768.115 -> 8768.12 (float 8768.11)
    ("1071.00", "0.0350"),  # 1108.485 -> 1108.49 (float 1108.48)
    ("0.00", "0.2000"),
    ("19.99", "0.0000"),
]


@pytest.mark.weight(4)
def test_rounding_is_half_up_on_decimal_values(driver):
    obs = run(driver, [["create", f"i{n}", s, r] for n, (s, r) in enumerate(TIES)])
    for step, (s, r) in zip(obs["steps"], TIES, strict=True):
        assert_total(step, s, r, what=f"create({s}, {r})")


@pytest.mark.weight(2)
def test_rounding_on_update(driver):
    actions = [["create", "a", "5.00", "0.0000"]] + [["set", "a", s, r] for s, r in TIES[:8]]
    obs = run(driver, actions)
    for step, (s, r) in zip(obs["steps"][1:], TIES[:8], strict=True):
        assert_total(step, s, r, what=f"update to ({s}, {r})")


cents = st.integers(min_value=0, max_value=9_999_999_999)
tie_rates = st.sampled_from([50, 250, 500, 750, 1250, 1750, 25, 75, 5, 15, 925, 350, 10000])
rates = st.one_of(tie_rates, st.integers(min_value=0, max_value=15_000))


def money(c: int) -> str:
    return f"{c // 100}.{c % 100:02d}"


def rate(bp: int) -> str:
    return f"{bp // 10000}.{bp % 10000:04d}"


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(
    st.lists(st.tuples(st.one_of(cents, st.integers(min_value=0, max_value=100_000)), rates), min_size=1, max_size=6)
)
@example([(100, 50), (1050, 500), (250, 100), (3, 5000)])
def test_random_amounts_match_the_oracle(driver, pairs):
    values = [(money(c), rate(bp)) for c, bp in pairs]
    obs = run(driver, [["create", f"i{n}", s, r] for n, (s, r) in enumerate(values)])
    for step, (s, r) in zip(obs["steps"], values, strict=True):
        assert_total(step, s, r, what=f"create({s}, {r})")
        assert_one_update(step, first_verb="INSERT", what=f"create({s}, {r})")


# ---------------------------------------------------------------- sequences of saves (stateful, against an oracle)

KEYS = ["a", "b", "c"]
amount = st.tuples(st.integers(min_value=0, max_value=10_000_000).map(money), rates.map(rate))
step_st = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(KEYS), amount),
    st.tuples(st.just("objects_create"), st.sampled_from(KEYS), amount),
    st.tuples(st.just("set"), st.sampled_from(KEYS), amount),
    st.tuples(st.just("reload_set"), st.sampled_from(KEYS), amount),
    st.tuples(st.just("subtotal_only"), st.sampled_from(KEYS), amount),
    st.tuples(st.just("save"), st.sampled_from(KEYS), amount),
)


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(st.lists(step_st, min_size=1, max_size=8))
def test_random_save_sequences_match_the_oracle(driver, steps):
    state: dict[str, tuple[str, str]] = {}  # key -> (subtotal, tax_rate) stored
    actions, expected = [], []
    for kind, key, (s, r) in steps:
        if kind in ("create", "objects_create") or key not in state:
            kind = kind if kind in ("create", "objects_create") else "create"
            actions.append([kind, key, s, r])
            state[key] = (s, r)
            expected.append((key, "INSERT", s, r))
            continue
        if kind in ("set", "reload_set"):
            actions.append([kind, key, s, r])
            state[key] = (s, r)
        elif kind == "subtotal_only":
            actions.append(["set_fields", key, {"subtotal": s}, ["subtotal"]])
            state[key] = (s, state[key][1])
        else:
            actions.append(["save", key])
        expected.append((key, "UPDATE", *state[key]))
    obs = run(driver, actions)
    for step, (key, verb, s, r) in zip(obs["steps"], expected, strict=True):
        assert_total(step, s, r, what=f"{verb} of {key}")
        assert_one_update(step, first_verb=verb, what=f"{verb} of {key}")
    # every stored row holds the total of its current values
    for row in obs["rows"]:
        assert Decimal(row["total"]) == expected_total(row["subtotal"], row["tax_rate"]), row


# ---------------------------------------------------------------- transactions and errors


@pytest.mark.weight(2)
def test_total_is_written_inside_the_callers_transaction(driver):
    obs = run(
        driver, [["create", "a", "1.00", "0.0050", {"atomic": True}], ["set", "a", "2.50", "0.0100", {"atomic": True}]]
    )
    for step, (s, r) in zip(obs["steps"], [("1.00", "0.0050"), ("2.50", "0.0100")], strict=True):
        inside = step["row_inside_atomic"]
        assert inside is not None and inside["total"] is not None, f"no total inside the caller's block: {inside}"
        assert Decimal(inside["total"]) == expected_total(s, r)
        assert_total(step, s, r, what="save inside atomic()")
        assert len(step["signals"]) == 1, step["signals"]


@pytest.mark.weight(3)
def test_handler_still_works_after_a_database_error(driver):
    actions = [
        ["create", "a", "10.00", "0.1000"],
        ["set", "a", "20.00", "0.1000", {"fail": True}],
        ["set", "a", "1.00", "0.0050"],
        ["create", "b", "2.50", "0.0100"],
        ["save", "a"],
    ]
    obs = run(driver, actions)
    assert obs["steps"][1]["handler_statements"] >= 1, "the handler ran no SQL during the failing save"
    assert_total(obs["steps"][2], "1.00", "0.0050", what="save of the same instance after a failed save")
    assert_one_update(obs["steps"][2], first_verb="UPDATE", what="save of the same instance after a failed save")
    assert_total(obs["steps"][3], "2.50", "0.0100", what="create after a failed save")
    assert_one_update(obs["steps"][3], first_verb="INSERT", what="create after a failed save")
    assert_total(obs["steps"][4], "1.00", "0.0050", what="second save after a failed save")


@pytest.mark.weight(2)
def test_handler_still_works_after_a_failed_create(driver):
    actions = [["create", "a", "10.00", "0.1000", {"fail": True}], ["save", "a"], ["create", "b", "3.00", "0.5000"]]
    obs = run(driver, actions)
    assert obs["steps"][0]["handler_statements"] >= 1, "the handler ran no SQL during the failing save"
    assert_total(obs["steps"][1], "10.00", "0.1000", what="save of an instance whose create failed in the handler")
    assert_one_update(obs["steps"][1], first_verb="UPDATE", what="save after a failed create")
    assert_total(obs["steps"][2], "3.00", "0.5000", what="create after a failed create")


# ---------------------------------------------------------------- threads

SCENARIOS = {
    "create_create": (["create", "10.50", "0.0500"], ["create", "1.00", "0.0050"]),
    "update_update": (["update", "5.00", "0.1000", "2.50", "0.0100"], ["update", "7.00", "0.2000", "0.03", "0.5000"]),
    "update_create": (["update", "5.00", "0.1000", "12.34", "0.1250"], ["create", "2222.00", "0.0925"]),
}


def _final(spec):
    return (spec[1], spec[2]) if spec[0] == "create" else (spec[3], spec[4])


@pytest.mark.weight(3)
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_two_threads_saving_at_the_same_time(driver, name):
    first, second = SCENARIOS[name]
    obs = driver.concurrent(first=first, second=second)
    for label, spec in (("A", first), ("B", second)):
        step = obs[label.lower()]
        verb = "INSERT" if spec[0] == "create" else "UPDATE"
        what = f"thread {label} ({'paused inside its handler' if label == 'A' else 'running while A is paused'})"
        assert_total(step, *_final(spec), what=what)
        assert_one_update(step, first_verb=verb, what=what)
    assert obs["a_paused_inside_handler"], "thread A's handler ran no SQL statement"
    totals = sorted(Decimal(r["total"]) for r in obs["rows"])
    assert totals == sorted(expected_total(*_final(spec)) for spec in (first, second)), obs["rows"]
