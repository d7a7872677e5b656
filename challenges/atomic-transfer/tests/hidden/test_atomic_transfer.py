"""Hidden suite for atomic-transfer.

The driver starts every scenario from the accounts given here, lets the
submission's transactions really commit (so on_commit callbacks run), and
reports results, final balances, the audit entries and a trace of the SQL
statements (with the select_for_update mark Django keeps on the query: SQLite
itself has no row locks). Expected values are computed here.
"""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

OK = ["ok", None]

ACCOUNTS = [
    {"id": 1, "owner": "ann", "balance": "100.00"},
    {"id": 2, "owner": "bob", "balance": "20.00"},
    {"id": 3, "owner": "cy", "balance": "0.00"},
]


def balances(accounts):
    return {a["id"]: str(Decimal(a["balance"]).quantize(Decimal("0.01"))) for a in accounts}


def entry(from_id, to_id, amount):
    return {"from": from_id, "to": to_id, "amount": amount, "in_transaction": False}


# ---------------------------------------------------------------- oracle


class Bank:
    def __init__(self, accounts):
        self.bal = {a["id"]: Decimal(a["balance"]) for a in accounts}
        self.audit = []

    def transfer(self, f, t, amount):
        amount = Decimal(amount)
        if amount <= 0 or f == t:
            return ["error", "ValueError"]
        if f not in self.bal or t not in self.bal:
            return ["error", "DoesNotExist"]
        if self.bal[f] < amount:
            return ["error", "InsufficientFunds"]
        self.bal[f] -= amount
        self.bal[t] += amount
        self.audit.append(entry(f, t, str(amount.quantize(Decimal("0.01")))))
        return OK

    def many(self, transfers):
        return ["ok", [self.transfer(*tr) == OK for tr in transfers]]

    def balances(self):
        return {k: str(v.quantize(Decimal("0.01"))) for k, v in sorted(self.bal.items())}


def run(driver, actions, accounts=ACCOUNTS, **kwargs):
    obs = driver.scenario(accounts=accounts, actions=actions, **kwargs)
    assert obs["autocommit"] and not obs["in_atomic"], "a transaction was left open"
    return obs


# ---------------------------------------------------------------- transfer


@pytest.mark.weight(2)
def test_transfer_moves_money_and_audits_once(driver):
    obs = run(driver, [["transfer", 1, 2, "30.00"]])
    assert obs["results"] == [OK]
    assert obs["balances"] == {1: "70.00", 2: "50.00", 3: "0.00"}
    assert obs["audit"] == [entry(1, 2, "30.00")]


@pytest.mark.weight(2)
def test_transfer_of_the_whole_balance(driver):
    obs = run(driver, [["transfer", 2, 3, "20.00"], ["transfer", 3, 1, "20.00"]])
    assert obs["results"] == [OK, OK]
    assert obs["balances"] == {1: "120.00", 2: "0.00", 3: "0.00"}
    assert obs["audit"] == [entry(2, 3, "20.00"), entry(3, 1, "20.00")]


def test_transfer_of_one_cent(driver):
    obs = run(driver, [["transfer", 1, 3, "0.01"]])
    assert obs["results"] == [OK]
    assert obs["balances"] == {1: "99.99", 2: "20.00", 3: "0.01"}


@pytest.mark.weight(3)
def test_insufficient_funds_changes_nothing(driver):
    obs = run(driver, [["transfer", 2, 1, "20.01"], ["transfer", 3, 1, "0.01"]])
    assert obs["results"] == [["error", "InsufficientFunds"], ["error", "InsufficientFunds"]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []
    info = driver.exception_info()
    assert info["is_exception_class"] and info["mro"][0] == "InsufficientFunds"


@pytest.mark.weight(2)
@pytest.mark.parametrize("amount", ["0.00", "-5.00", "-0.01"])
def test_non_positive_amount_raises_value_error(driver, amount):
    obs = run(driver, [["transfer", 1, 2, amount]])
    assert obs["results"] == [["error", "ValueError"]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_same_account_raises_value_error(driver):
    obs = run(driver, [["transfer", 1, 1, "5.00"], ["transfer", 3, 3, "5.00"]])
    assert obs["results"] == [["error", "ValueError"], ["error", "ValueError"]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


def test_missing_account_raises_does_not_exist(driver):
    obs = run(driver, [["transfer", 1, 99, "5.00"], ["transfer", 98, 1, "5.00"]])
    assert obs["results"] == [["error", "DoesNotExist"], ["error", "DoesNotExist"]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(3)
def test_rows_are_read_with_select_for_update_inside_the_transaction(driver):
    obs = run(driver, [["transfer", 2, 1, "5.00"]])
    assert obs["results"] == [OK]
    events = obs["events"]
    writes = [i for i, e in enumerate(events) if e["write"]]
    assert writes, events
    locks = [i for i, e in enumerate(events) if e["lock"]]
    assert locks and locks[0] < writes[0], f"no select_for_update() query before the first write: {events}"
    for i in locks + writes:
        assert events[i]["in_atomic"], f"statement outside the transaction: {events[i]}"


@pytest.mark.weight(3)
def test_a_failing_second_write_leaves_both_rows_unchanged(driver):
    obs = run(driver, [["transfer", 1, 2, "30.00"]], fail_write=2)
    if obs["results"] == [OK]:  # a submission writing both rows in one statement never has a second write
        assert obs["balances"] == {1: "70.00", 2: "50.00", 3: "0.00"}
        assert obs["audit"] == [entry(1, 2, "30.00")]
    else:
        assert obs["results"] == [["error", "OperationalError"]]
        assert obs["balances"] == balances(ACCOUNTS)
        assert obs["audit"] == []


def test_a_failing_first_write_changes_nothing(driver):
    obs = run(driver, [["transfer", 1, 2, "30.00"]], fail_write=1)
    assert obs["results"] == [["error", "OperationalError"]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


# ---------------------------------------------------------------- on_commit


@pytest.mark.weight(3)
def test_audit_waits_for_the_callers_commit(driver):
    obs = run(driver, [["atomic_commit", [["transfer", 1, 2, "10.00"], ["transfer", 2, 3, "5.00"]]]])
    assert obs["results"] == [["ok", {"inner": [OK, OK], "audit_inside": 0}]]
    assert obs["balances"] == {1: "90.00", 2: "25.00", 3: "5.00"}
    assert obs["audit"] == [entry(1, 2, "10.00"), entry(2, 3, "5.00")]


@pytest.mark.weight(3)
@pytest.mark.parametrize("how", ["atomic_rollback", "atomic_raise"])
def test_no_audit_when_the_caller_rolls_back(driver, how):
    obs = run(driver, [[how, [["transfer", 1, 2, "10.00"]]], ["transfer", 1, 3, "1.00"]])
    assert obs["results"] == [["ok", {"inner": [OK], "audit_inside": 0}], OK]
    assert obs["balances"] == {1: "99.00", 2: "20.00", 3: "1.00"}
    assert obs["audit"] == [entry(1, 3, "1.00")]


# ---------------------------------------------------------------- transfer_many


@pytest.mark.weight(3)
def test_transfer_many_keeps_the_successes(driver):
    transfers = [[1, 2, "10.00"], [3, 1, "1.00"], [2, 3, "30.00"], [2, 2, "1.00"], [1, 7, "1.00"], [1, 3, "0.00"], [3, 2, "5.00"]]
    obs = run(driver, [["many", transfers]])
    assert obs["results"] == [["ok", [True, False, True, False, False, False, True]]]
    assert obs["balances"] == {1: "90.00", 2: "5.00", 3: "25.00"}
    assert obs["audit"] == [entry(1, 2, "10.00"), entry(2, 3, "30.00"), entry(3, 2, "5.00")]


def test_transfer_many_empty(driver):
    obs = run(driver, [["many", []]])
    assert obs["results"] == [["ok", []]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_transfer_many_first_failure_does_not_stop_the_rest(driver):
    obs = run(driver, [["many", [[3, 1, "1.00"], [1, 3, "1.00"], [2, 3, "1.00"]]]])
    assert obs["results"] == [["ok", [False, True, True]]]
    assert obs["balances"] == {1: "99.00", 2: "19.00", 3: "2.00"}


@pytest.mark.weight(2)
def test_transfer_many_inside_a_rolled_back_caller(driver):
    obs = run(driver, [["atomic_rollback", [["many", [[1, 2, "10.00"], [3, 1, "1.00"], [2, 3, "1.00"]]]]]])
    assert obs["results"] == [["ok", {"inner": [["ok", [True, False, True]]], "audit_inside": 0}]]
    assert obs["balances"] == balances(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_transfer_many_inside_a_committed_caller(driver):
    obs = run(driver, [["atomic_commit", [["many", [[3, 1, "1.00"], [1, 3, "4.00"]]], ["transfer", 3, 2, "4.00"]]]])
    assert obs["results"] == [["ok", {"inner": [["ok", [False, True]], OK], "audit_inside": 0}]]
    assert obs["balances"] == {1: "96.00", 2: "24.00", 3: "0.00"}
    assert obs["audit"] == [entry(1, 3, "4.00"), entry(3, 2, "4.00")]


# ---------------------------------------------------------------- property

ids = st.integers(min_value=1, max_value=4)
cents = st.integers(min_value=-200, max_value=6000)
money = cents.map(lambda c: f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}")
transfer_st = st.tuples(ids, ids, money).map(list)
account_st = st.lists(st.integers(min_value=0, max_value=5000), min_size=3, max_size=3).map(
    lambda bs: [{"id": i + 1, "owner": f"o{i}", "balance": f"{b // 100}.{b % 100:02d}"} for i, b in enumerate(bs)]
)
action_st = st.one_of(
    transfer_st.map(lambda t: ["transfer", *t]),
    st.lists(transfer_st, max_size=5).map(lambda ts: ["many", ts]),
)


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(accounts=account_st, actions=st.lists(action_st, max_size=6))
def test_random_transfers_match_the_oracle(driver, accounts, actions):
    bank = Bank(accounts)
    expected = [bank.transfer(*a[1:]) if a[0] == "transfer" else bank.many(a[1]) for a in actions]
    obs = run(driver, actions, accounts=accounts)
    assert obs["results"] == expected
    assert obs["balances"] == bank.balances()
    assert obs["audit"] == bank.audit
