"""Hidden suite for atomic-transfer, on the grader's PostgreSQL server.

The accounts are loaded here, as the database's owner; the driver only calls the submission's
functions in the worker and reports what they returned or raised. The balances and the audit
entries are read here, as the owner (the audit log writes its rows at once, on a connection of its
own, outside the submission's transaction). Owner-side objects the test's role cannot drop,
disable or bypass do the rest: a trigger that fails every write touching one account (atomicity),
and a trigger that notes, for every audit row, the balances committed at the moment it was
written (so an entry written before its transfer committed shows, as the old `in_transaction`
flag did, without asking the worker). Competing transactions are owner connections of the test's
own that hold row (or table) locks while the submission's call runs in a thread of the harness.
Nothing the worker counts, traces or reads back decides anything here. Expected values are
computed here.
"""

import threading
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

OK = ["ok", None]
ACCOUNT_TABLE = "bank_account"
AUDIT_TABLE = "bank_auditentry"

ACCOUNTS = [
    {"id": 1, "owner": "ann", "balance": "100.00"},
    {"id": 2, "owner": "bob", "balance": "20.00"},
    {"id": 3, "owner": "cy", "balance": "0.00"},
]


def cents(value):
    return str(Decimal(value).quantize(Decimal("0.01")))


def balances_of(accounts):
    return {a["id"]: cents(a["balance"]) for a in accounts}


def entry(from_id, to_id, amount):
    return [from_id, to_id, cents(amount)]


# ---------------------------------------------------------------- oracle


class Bank:
    """The rules. Each top-level action commits on its own (autocommit), a caller's block commits
    or not as a whole, and the audit entries of what committed are written right after that commit:
    `seen` holds, for each entry, the balances committed at that moment."""

    def __init__(self, accounts):
        self.bal = {a["id"]: Decimal(a["balance"]) for a in accounts}
        self.audit = []
        self.seen = []

    def _transfer(self, f, t, amount, pending):
        amount = Decimal(amount)
        if amount <= 0 or f == t:
            return ["error", "ValueError"]
        if f not in self.bal or t not in self.bal:
            return ["error", "DoesNotExist"]
        if self.bal[f] < amount:
            return ["error", "InsufficientFunds"]
        self.bal[f] -= amount
        self.bal[t] += amount
        pending.append(entry(f, t, amount))
        return OK

    def _apply(self, action, pending):
        kind = action[0]
        if kind == "transfer":
            return self._transfer(*action[1:], pending)
        if kind == "many":
            return ["ok", [self._transfer(*tr, pending) == OK for tr in action[1]]]
        before, mark = dict(self.bal), len(pending)
        inner = [self._apply(a, pending) for a in action[1]]
        if kind != "atomic_commit":  # the caller's block is rolled back: nothing of it happened
            self.bal = before
            del pending[mark:]
        return ["ok", {"inner": inner}]

    def act(self, action):
        pending = []
        result = self._apply(action, pending)
        for item in pending:  # on_commit: after the commit of the whole action
            self.audit.append(item)
            self.seen.append(self.balances())
        return result

    def transfer(self, f, t, amount):
        return self.act(["transfer", f, t, amount])

    def balances(self):
        return {k: cents(v) for k, v in sorted(self.bal.items())}


# ---------------------------------------------------------------- the database, as the owner


SEEN_TABLE = "grader_audit_seen"
# For every audit row, the balances committed when it was inserted. The function runs as the owner
# (SECURITY DEFINER): the test's role can neither read nor write the table it fills. Its query
# takes a fresh snapshot (READ COMMITTED), so it sees what is committed at that moment; an audit
# row inserted by the audit log's own connection while the transfer is still uncommitted sees the
# balances from before the transfer.
AUDIT_SEEN = [
    f"CREATE TABLE {SEEN_TABLE} (audit_id bigint NOT NULL, balances text)",
    f"""
    CREATE FUNCTION grader_audit_seen() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public AS $$
    BEGIN
        INSERT INTO {SEEN_TABLE} (audit_id, balances)
        SELECT NEW.id, string_agg(id::text || '=' || balance::text, ',' ORDER BY id) FROM {ACCOUNT_TABLE};
        RETURN NULL;
    END
    $$
    """,
    f"CREATE TRIGGER grader_audit_seen AFTER INSERT ON {AUDIT_TABLE} FOR EACH ROW EXECUTE FUNCTION grader_audit_seen()",
]


@pytest.fixture
def db(database):
    # A lock the submission leaves behind must fail a test, not hang the owner's TRUNCATE.
    database.execute("SET lock_timeout = '10s'")
    for sql in AUDIT_SEEN:
        database.execute(sql)
    return database


def load(db, accounts=ACCOUNTS):
    db.execute(f"DROP TRIGGER IF EXISTS grader_fail_write ON {ACCOUNT_TABLE}")
    db.load({ACCOUNT_TABLE: [dict(a) for a in accounts], AUDIT_TABLE: [], SEEN_TABLE: []})


def balances(db):
    return {i: str(b) for i, b in db.query(f"SELECT id, balance FROM {ACCOUNT_TABLE} ORDER BY id")}


def audit_rows(db):
    rows = db.query(f"SELECT from_id, to_id, amount FROM {AUDIT_TABLE} ORDER BY id")
    return [[f, t, str(a)] for f, t, a in rows]


def audit_seen(db):
    """For each audit row (in order), the balances committed when it was written."""
    rows = db.query(
        f"SELECT s.balances FROM {AUDIT_TABLE} a LEFT JOIN {SEEN_TABLE} s ON s.audit_id = a.id ORDER BY a.id"
    )
    return [{int(k): v for k, v in (pair.split("=") for pair in (text or "").split(",") if pair)} for (text,) in rows]


def state(db):
    return {"balances": balances(db), "audit": audit_rows(db)}


def check_audited_after_commit(db, bank):
    """When the balances and the audit rows are those of the rules (`bank`, the oracle after the
    same actions), each audit row must have been written once its transfer had committed: the
    balances committed at that moment are those the rules give."""
    if state(db) == {"balances": bank.balances(), "audit": bank.audit}:
        seen, expected_seen = audit_seen(db), bank.seen
        assert seen == expected_seen, (
            "an audit entry was written before the transaction of its transfer committed "
            f"(balances committed when each entry was written: {seen}, expected {expected_seen})"
        )


def no_transaction_left_open(db):
    """After a call has returned, no session of the role may sit inside a transaction."""
    open_sessions = db.query(
        "SELECT pid FROM pg_stat_activity WHERE usename = %s "
        "AND state IN ('idle in transaction', 'idle in transaction (aborted)')",
        [db.login.user],
    )
    if open_sessions:
        db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", [db.login.user])
        raise AssertionError("a transaction was left open after the call returned")


def run(db, driver, actions, accounts=ACCOUNTS):
    """Load the accounts, run the actions through the driver, and read what is committed. The
    timing of the audit entries is checked here, for every scenario, against the rules."""
    load(db, accounts)
    results = driver.run(actions)
    no_transaction_left_open(db)
    bank = Bank(accounts)
    for action in actions:
        bank.act(action)
    check_audited_after_commit(db, bank)
    return {"results": results, **state(db)}


FAIL_WRITE_FUNCTION = """
CREATE OR REPLACE FUNCTION grader_fail_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.id = TG_ARGV[0]::bigint THEN
            RAISE EXCEPTION 'disk I/O error (injected by the grader)' USING ERRCODE = '58030';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    IF NEW.id = TG_ARGV[0]::bigint THEN
        RAISE EXCEPTION 'disk I/O error (injected by the grader)' USING ERRCODE = '58030';
    END IF;
    RETURN NEW;
END
$$
"""


def fail_writes_to(db, account_id):
    """From now on every write that touches this account's row fails (SQLSTATE 58030, an I/O
    error: django.db.OperationalError in the worker). The trigger belongs to the owner."""
    db.execute(FAIL_WRITE_FUNCTION)
    db.execute(
        f"CREATE TRIGGER grader_fail_write BEFORE INSERT OR UPDATE OR DELETE ON {ACCOUNT_TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION grader_fail_write('{int(account_id)}')"
    )


def while_held(db, hold, call, look=None, timeout=10.0):
    """Run the `hold` statements in an owner transaction of the test's own (its locks held), then
    `call()` in a thread of the harness. Once a session of the role waits on a lock (or the call has
    ended), run `look()` (reads as the owner, what else is committed at that moment), commit the
    owner transaction and wait for the call. Returns (the call's value, whether it waited, looked)."""
    outcome = {}

    def target():
        try:
            outcome["value"] = call()
        except BaseException as exc:  # a worker failure is re-raised in the test's own thread
            outcome["error"] = exc

    competing = db.connect()
    thread = threading.Thread(target=target, name="submission-call", daemon=True)
    try:
        competing.execute("BEGIN")
        for sql in hold:
            competing.execute(sql)
        thread.start()
        deadline = time.monotonic() + timeout
        waited = False
        while thread.is_alive() and time.monotonic() < deadline:
            if db.waiting_on_lock():
                waited = True
                break
            time.sleep(0.005)
        looked = look() if look is not None else None
        competing.execute("COMMIT")
    finally:
        competing.close()  # rolls back if the commit was not reached: the call then goes on
        if thread.ident is not None:
            thread.join(60)
    if "error" in outcome:
        raise outcome["error"]
    assert "value" in outcome, "the call did not end"
    no_transaction_left_open(db)
    return outcome["value"], waited, looked


def lock_row(account_id):
    return f"SELECT id FROM {ACCOUNT_TABLE} WHERE id = {int(account_id)} FOR UPDATE"


def change_balance(account_id, delta):
    return f"UPDATE {ACCOUNT_TABLE} SET balance = balance + {Decimal(delta)} WHERE id = {int(account_id)}"


LOCK_AUDIT = f"LOCK TABLE {AUDIT_TABLE} IN SHARE MODE"  # reads go on; the audit log's INSERT waits


# ---------------------------------------------------------------- transfer


@pytest.mark.weight(2)
def test_transfer_moves_money_and_audits_once(db, driver):
    obs = run(db, driver, [["transfer", 1, 2, "30.00"]])
    assert obs["results"] == [OK]
    assert obs["balances"] == {1: "70.00", 2: "50.00", 3: "0.00"}
    assert obs["audit"] == [entry(1, 2, "30.00")]


@pytest.mark.weight(2)
def test_transfer_of_the_whole_balance(db, driver):
    obs = run(db, driver, [["transfer", 2, 3, "20.00"], ["transfer", 3, 1, "20.00"]])
    assert obs["results"] == [OK, OK]
    assert obs["balances"] == {1: "120.00", 2: "0.00", 3: "0.00"}
    assert obs["audit"] == [entry(2, 3, "20.00"), entry(3, 1, "20.00")]


def test_transfer_of_one_cent(db, driver):
    obs = run(db, driver, [["transfer", 1, 3, "0.01"]])
    assert obs["results"] == [OK]
    assert obs["balances"] == {1: "99.99", 2: "20.00", 3: "0.01"}


@pytest.mark.weight(3)
def test_insufficient_funds_changes_nothing(db, driver):
    obs = run(db, driver, [["transfer", 2, 1, "20.01"], ["transfer", 3, 1, "0.01"]])
    assert obs["results"] == [["error", "InsufficientFunds"], ["error", "InsufficientFunds"]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []
    info = driver.exception_info()
    assert info["is_exception_class"] and info["mro"][0] == "InsufficientFunds"


@pytest.mark.weight(2)
@pytest.mark.parametrize("amount", ["0.00", "-5.00", "-0.01"])
def test_non_positive_amount_raises_value_error(db, driver, amount):
    obs = run(db, driver, [["transfer", 1, 2, amount]])
    assert obs["results"] == [["error", "ValueError"]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_same_account_raises_value_error(db, driver):
    obs = run(db, driver, [["transfer", 1, 1, "5.00"], ["transfer", 3, 3, "5.00"]])
    assert obs["results"] == [["error", "ValueError"], ["error", "ValueError"]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


def test_missing_account_raises_does_not_exist(db, driver):
    obs = run(db, driver, [["transfer", 1, 99, "5.00"], ["transfer", 98, 1, "5.00"]])
    assert obs["results"] == [["error", "DoesNotExist"], ["error", "DoesNotExist"]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_value_error_wins_over_a_missing_account(db, driver):
    # The same missing id on both sides; a bad amount with a missing account on either side.
    actions = [["transfer", 99, 99, "5.00"], ["transfer", 1, 99, "0.00"], ["transfer", 98, 1, "-1.00"]]
    obs = run(db, driver, actions)
    assert obs["results"] == [["error", "ValueError"]] * 3
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


def test_a_missing_account_wins_over_insufficient_funds(db, driver):
    obs = run(db, driver, [["transfer", 3, 99, "5.00"], ["transfer", 2, 97, "20.01"]])
    assert obs["results"] == [["error", "DoesNotExist"], ["error", "DoesNotExist"]]
    assert obs["balances"] == balances_of(ACCOUNTS)


# ---------------------------------------------------------------- atomicity: a write that fails


@pytest.mark.weight(3)
def test_a_failing_write_to_the_destination_leaves_both_rows_unchanged(db, driver):
    load(db)
    fail_writes_to(db, 2)
    assert driver.transfer(1, 2, "30.00") == ["error", "OperationalError"]
    no_transaction_left_open(db)
    assert state(db) == {"balances": balances_of(ACCOUNTS), "audit": []}


def test_a_failing_write_to_the_source_changes_nothing(db, driver):
    load(db)
    fail_writes_to(db, 1)
    assert driver.transfer(1, 2, "30.00") == ["error", "OperationalError"]
    no_transaction_left_open(db)
    assert state(db) == {"balances": balances_of(ACCOUNTS), "audit": []}


# ---------------------------------------------------------------- row locks: a competing transaction


@pytest.mark.weight(3)
def test_a_deposit_committed_while_the_transfer_waits_is_not_lost(db, driver):
    load(db)
    result, _, _ = while_held(db, [change_balance(1, "50.00")], lambda: driver.transfer(1, 2, "30.00"))
    assert result == OK
    assert state(db) == {"balances": {1: "120.00", 2: "50.00", 3: "0.00"}, "audit": [entry(1, 2, "30.00")]}
    assert audit_seen(db) == [{1: "120.00", 2: "50.00", 3: "0.00"}]


@pytest.mark.weight(2)
def test_a_deposit_to_the_destination_is_not_lost(db, driver):
    load(db)
    result, _, _ = while_held(db, [change_balance(2, "5.00")], lambda: driver.transfer(1, 2, "30.00"))
    assert result == OK
    assert state(db) == {"balances": {1: "70.00", 2: "55.00", 3: "0.00"}, "audit": [entry(1, 2, "30.00")]}
    assert audit_seen(db) == [{1: "70.00", 2: "55.00", 3: "0.00"}]


@pytest.mark.weight(3)
def test_the_balance_check_sees_a_withdrawal_committed_while_waiting(db, driver):
    load(db)
    result, _, _ = while_held(db, [change_balance(1, "-90.00")], lambda: driver.transfer(1, 2, "30.00"))
    assert result == ["error", "InsufficientFunds"]
    assert state(db) == {"balances": {1: "10.00", 2: "20.00", 3: "0.00"}, "audit": []}


# ---------------------------------------------------------------- on_commit


@pytest.mark.weight(3)
def test_the_audit_entry_is_written_after_the_transfer_commits(db, driver):
    load(db)
    result, _, looked = while_held(db, [LOCK_AUDIT], lambda: driver.transfer(1, 2, "30.00"), look=lambda: state(db))
    assert result == OK
    # While the audit log waited to write, the transfer had to be committed already.
    assert looked == {"balances": {1: "70.00", 2: "50.00", 3: "0.00"}, "audit": []}
    assert audit_rows(db) == [entry(1, 2, "30.00")]


@pytest.mark.weight(3)
def test_audit_waits_for_the_callers_commit(db, driver):
    obs = run(db, driver, [["atomic_commit", [["transfer", 1, 2, "10.00"], ["transfer", 2, 3, "5.00"]]]])
    assert obs["results"] == [["ok", {"inner": [OK, OK]}]]
    assert obs["balances"] == {1: "90.00", 2: "25.00", 3: "5.00"}
    assert obs["audit"] == [entry(1, 2, "10.00"), entry(2, 3, "5.00")]


@pytest.mark.weight(2)
def test_no_audit_entry_before_the_callers_block_commits(db, driver):
    load(db)
    actions = [["transfer", 1, 2, "10.00"], ["transfer", 2, 3, "5.00"]]
    result, _, looked = while_held(
        db, [LOCK_AUDIT], lambda: driver.in_caller_block("commit", actions), look=lambda: state(db)
    )
    assert result == {"inner": [OK, OK]}
    assert looked == {"balances": {1: "90.00", 2: "25.00", 3: "5.00"}, "audit": []}
    assert audit_rows(db) == [entry(1, 2, "10.00"), entry(2, 3, "5.00")]


@pytest.mark.weight(3)
@pytest.mark.parametrize("how", ["atomic_rollback", "atomic_raise"])
def test_no_audit_when_the_caller_rolls_back(db, driver, how):
    obs = run(db, driver, [[how, [["transfer", 1, 2, "10.00"]]], ["transfer", 1, 3, "1.00"]])
    assert obs["results"] == [["ok", {"inner": [OK]}], OK]
    assert obs["balances"] == {1: "99.00", 2: "20.00", 3: "1.00"}
    assert obs["audit"] == [entry(1, 3, "1.00")]


# ---------------------------------------------------------------- transfer_many


@pytest.mark.weight(3)
def test_transfer_many_keeps_the_successes(db, driver):
    transfers = [
        [1, 2, "10.00"],
        [3, 1, "1.00"],
        [2, 3, "30.00"],
        [2, 2, "1.00"],
        [1, 7, "1.00"],
        [1, 3, "0.00"],
        [3, 2, "5.00"],
    ]
    obs = run(db, driver, [["many", transfers]])
    assert obs["results"] == [["ok", [True, False, True, False, False, False, True]]]
    assert obs["balances"] == {1: "90.00", 2: "5.00", 3: "25.00"}
    assert obs["audit"] == [entry(1, 2, "10.00"), entry(2, 3, "30.00"), entry(3, 2, "5.00")]


def test_transfer_many_empty(db, driver):
    obs = run(db, driver, [["many", []]])
    assert obs["results"] == [["ok", []]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_transfer_many_first_failure_does_not_stop_the_rest(db, driver):
    obs = run(db, driver, [["many", [[3, 1, "1.00"], [1, 3, "1.00"], [2, 3, "1.00"]]]])
    assert obs["results"] == [["ok", [False, True, True]]]
    assert obs["balances"] == {1: "99.00", 2: "19.00", 3: "2.00"}


@pytest.mark.weight(2)
def test_transfer_many_later_transfers_see_earlier_ones(db, driver):
    transfers = [[3, 1, "5.00"], [1, 3, "50.00"], [3, 2, "30.00"], [2, 1, "60.00"], [2, 1, "50.00"]]
    obs = run(db, driver, [["many", transfers]])
    assert obs["results"] == [["ok", [False, True, True, False, True]]]
    assert obs["balances"] == {1: "100.00", 2: "0.00", 3: "20.00"}
    assert obs["audit"] == [entry(1, 3, "50.00"), entry(3, 2, "30.00"), entry(2, 1, "50.00")]


@pytest.mark.weight(2)
def test_transfer_many_inside_a_rolled_back_caller(db, driver):
    obs = run(db, driver, [["atomic_rollback", [["many", [[1, 2, "10.00"], [3, 1, "1.00"], [2, 3, "1.00"]]]]]])
    assert obs["results"] == [["ok", {"inner": [["ok", [True, False, True]]]}]]
    assert obs["balances"] == balances_of(ACCOUNTS)
    assert obs["audit"] == []


@pytest.mark.weight(2)
def test_transfer_many_inside_a_committed_caller(db, driver):
    obs = run(db, driver, [["atomic_commit", [["many", [[3, 1, "1.00"], [1, 3, "4.00"]]], ["transfer", 3, 2, "4.00"]]]])
    assert obs["results"] == [["ok", {"inner": [["ok", [False, True]], OK]}]]
    assert obs["balances"] == {1: "96.00", 2: "24.00", 3: "0.00"}
    assert obs["audit"] == [entry(1, 3, "4.00"), entry(3, 2, "4.00")]


@pytest.mark.weight(2)
def test_transfer_many_audits_after_the_whole_batch_commits(db, driver):
    load(db)
    transfers = [[1, 2, "10.00"], [3, 1, "1.00"], [2, 3, "30.00"]]
    result, _, looked = while_held(db, [LOCK_AUDIT], lambda: driver.transfer_many(transfers), look=lambda: state(db))
    assert result == ["ok", [True, False, True]]
    # When the first audit entry is written, every transfer of the batch is already committed.
    assert looked == {"balances": {1: "90.00", 2: "0.00", 3: "30.00"}, "audit": []}
    assert audit_rows(db) == [entry(1, 2, "10.00"), entry(2, 3, "30.00")]


def test_transfer_many_is_one_transaction(db, driver):
    load(db)
    transfers = [[1, 2, "10.00"], [2, 3, "5.00"]]
    result, _, looked = while_held(db, [lock_row(3)], lambda: driver.transfer_many(transfers), look=lambda: state(db))
    assert result == ["ok", [True, True]]
    # The second transfer waits for account 3: nothing of the batch is committed yet.
    assert looked == {"balances": balances_of(ACCOUNTS), "audit": []}
    assert state(db) == {
        "balances": {1: "90.00", 2: "25.00", 3: "5.00"},
        "audit": [entry(1, 2, "10.00"), entry(2, 3, "5.00")],
    }


# ---------------------------------------------------------------- properties

ids = st.integers(min_value=1, max_value=4)  # 4 has no account
# Amounts from -2.00 to 60.00, with the edges (0, one cent) drawn on purpose.
cent_st = st.one_of(st.integers(min_value=-200, max_value=6000), st.sampled_from([0, 1, -1]))


def money(c):
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"


money_st = cent_st.map(money)
transfer_st = st.tuples(ids, ids, money_st).map(list)
account_st = st.lists(st.integers(min_value=0, max_value=5000), min_size=3, max_size=3).map(
    lambda bs: [{"id": i + 1, "owner": f"o{i}", "balance": money(b)} for i, b in enumerate(bs)]
)
plain_action_st = st.one_of(
    transfer_st.map(lambda t: ["transfer", *t]),
    st.lists(transfer_st, max_size=5).map(lambda ts: ["many", ts]),
)
caller_block_st = st.tuples(
    st.sampled_from(["atomic_commit", "atomic_rollback", "atomic_raise"]), st.lists(plain_action_st, max_size=3)
).map(list)
action_st = st.one_of(plain_action_st, plain_action_st, caller_block_st)


@pytest.mark.weight(6)
@settings(max_examples=40)
@given(accounts=account_st, actions=st.lists(action_st, max_size=6))
def test_random_transfers_match_the_oracle(db, driver, accounts, actions):
    bank = Bank(accounts)
    expected = [bank.act(a) for a in actions]
    obs = run(db, driver, actions, accounts=accounts)  # also checks when each audit entry was written
    assert obs["results"] == expected
    assert obs["balances"] == bank.balances()
    assert obs["audit"] == bank.audit


@pytest.mark.weight(3)
@settings(max_examples=25)
@given(accounts=account_st, transfer=transfer_st, faulty=st.integers(min_value=1, max_value=3))
def test_random_failing_writes_leave_nothing_half_done(db, driver, accounts, transfer, faulty):
    bank = Bank(accounts)
    expected = bank.transfer(*transfer)
    if expected == OK and faulty in transfer[:2]:
        expected, bank = ["error", "OperationalError"], Bank(accounts)  # the write fails: nothing changes
    load(db, accounts)
    fail_writes_to(db, faulty)
    assert driver.transfer(*transfer) == expected
    no_transaction_left_open(db)
    assert state(db) == {"balances": bank.balances(), "audit": bank.audit}
    check_audited_after_commit(db, bank)


@pytest.mark.weight(3)
@settings(max_examples=25)
@given(
    accounts=account_st,
    pair=st.permutations([1, 2, 3]).map(lambda p: p[:2]),
    amount=st.integers(min_value=1, max_value=6000).map(money),
    source_held=st.booleans(),
    new_balance=st.integers(min_value=0, max_value=10000),
)
def test_random_competing_changes_are_never_lost(db, driver, accounts, pair, amount, source_held, new_balance):
    # A competing transaction sets one of the two accounts' balance to `new_balance` and commits
    # while the transfer waits for its row: the outcome is that of the transfer run after it.
    from_id, to_id = pair
    held = from_id if source_held else to_id
    delta = Decimal(new_balance) / 100 - Decimal(accounts[held - 1]["balance"])
    changed = [dict(a, balance=money(new_balance)) if a["id"] == held else a for a in accounts]
    bank = Bank(changed)
    expected = bank.transfer(from_id, to_id, amount)
    load(db, accounts)
    result, _, _ = while_held(db, [change_balance(held, delta)], lambda: driver.transfer(from_id, to_id, amount))
    assert result == expected
    assert state(db) == {"balances": bank.balances(), "audit": bank.audit}
    check_audited_after_commit(db, bank)
