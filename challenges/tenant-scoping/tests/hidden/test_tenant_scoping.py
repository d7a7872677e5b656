"""Hidden suite for tenant-scoping, on the grader's PostgreSQL server.

The rows are loaded here, as the database's owner; the driver runs one step at a time against the
submission's tenant_context and Project.objects (on the worker's main thread, on a thread of its
own, or in asyncio tasks, in the order the test calls them) and reports what the step returned.
The statements each step sent are those the server logged for this test's role while it ran, and
the table at the end is read here as the owner (nothing in the worker counts or reads them back).
The expected values come from a small oracle.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

REQUIRED = ["error", "TenantRequired"]
OK = ["ok", None]
TABLE = "tenancy_project"

ROWS = [
    {"id": 1, "tenant_id": 1, "name": "alpha"},
    {"id": 2, "tenant_id": 2, "name": "alpha"},
    {"id": 3, "tenant_id": 1, "name": "beta"},
    {"id": 4, "tenant_id": 3, "name": "gamma"},
    {"id": 5, "tenant_id": 2, "name": "delta"},
    {"id": 6, "tenant_id": 0, "name": "zero"},
    {"id": 7, "tenant_id": 4, "name": "four"},
]


# ---------------------------------------------------------------- oracle


class Oracle:
    """What a correct submission shows for a list of steps (a created row takes the next id of
    the table's sequence: one more than the largest id ever loaded or created)."""

    def __init__(self, rows):
        self.rows = [dict(r) for r in rows]
        self.seq = max((r["id"] for r in self.rows), default=0)
        self.stack = []

    def table(self):
        return sorted([r["id"], r["tenant_id"], r["name"]] for r in self.rows)

    def mine(self):
        t = self.stack[-1]
        return [r for r in self.rows if r["tenant_id"] == t]

    @staticmethod
    def listing(rows):
        return sorted([r["id"], r["tenant_id"], r["name"]] for r in rows)

    def step(self, step):
        op, args = step[0], step[1:]
        if op == "enter":
            self.stack.append(args[0])
            return ["ok", None]
        if op == "exit":
            if self.stack:
                self.stack.pop()
            return ["ok", None]
        if op == "raise_in":
            return ["ok", "raised"]
        if op == "all_tenants":
            return ["ok", self.listing(self.rows)]
        if not self.stack:
            return REQUIRED
        mine = self.mine()
        if op == "list":
            return ["ok", self.listing(mine)]
        if op == "filter":
            return ["ok", self.listing(r for r in mine if r["name"] == args[0])]
        if op == "exclude":
            return ["ok", self.listing(r for r in mine if r["name"] != args[0])]
        if op == "values":
            return ["ok", sorted(r["id"] for r in mine)]
        if op == "exists":
            return ["ok", any(r["name"] == args[0] for r in mine)]
        if op == "count":
            return ["ok", len(mine)]
        if op in ("get", "get_name"):
            key = "id" if op == "get" else "name"
            found = [r for r in mine if r[key] == args[0]]
            if not found:
                return ["error", "DoesNotExist"]
            if len(found) > 1:
                return ["error", "MultipleObjectsReturned"]
            r = found[0]
            return ["ok", [r["id"], r["tenant_id"], r["name"]]]
        if op == "create":
            self.seq += 1
            t = self.stack[-1]
            self.rows.append({"id": self.seq, "tenant_id": t, "name": args[0]})
            return ["ok", [self.seq, t, args[0]]]
        if op == "update":
            for r in mine:
                r["name"] = args[0]
            return ["ok", len(mine)]
        if op == "update_filter":
            hit = [r for r in mine if r["name"] == args[0]]
            for r in hit:
                r["name"] = args[1]
            return ["ok", len(hit)]
        if op in ("delete", "delete_filter"):
            gone = [r for r in mine if op == "delete" or r["name"] == args[0]]
            ids = {r["id"] for r in gone}
            self.rows = [r for r in self.rows if r["id"] not in ids]
            return ["ok", len(gone)]
        raise AssertionError(op)


# ---------------------------------------------------------------- running steps


def stored(database):
    """Every row of the table, as the owner reads it: sorted [id, tenant_id, name]."""
    return sorted(list(row) for row in database.query(f"SELECT id, tenant_id, name FROM {TABLE}"))


def observed(database, where, call, want):
    """Run one driver call, compare what it returned with `want`, and return the statements the
    test's role sent meanwhile; a step that must raise TenantRequired must have sent none."""
    with database.observe() as seen:
        got = call()
    assert got == want, f"{where}: got {got}, expected {want}"
    if want == REQUIRED:
        sent = seen.sql
        assert not sent, f"{where} raised TenantRequired but sent {len(sent)} statement(s) first: {sent}"
    return seen.statements


def check(database, driver, rows, steps):
    """Load `rows`, run `steps` on the worker's main thread one call each, compare every result
    with the oracle's, every created row and the table at the end with the database's."""
    database.load({TABLE: rows})
    driver.leave_all()
    oracle = Oracle(rows)
    for i, step in enumerate(steps):
        want = oracle.step(step)
        observed(database, f"step {i} {step}", lambda step=step: driver.step(step), want)
        if step[0] == "create" and want[0] == "ok":
            new_id, tenant, name = want[1]
            row = database.query(f"SELECT tenant_id, name FROM {TABLE} WHERE id = %s", [new_id])
            assert row == [(tenant, name)], f"step {i} {step}: row {new_id} is stored as {row}"
    driver.leave_all()
    assert stored(database) == oracle.table()


# ---------------------------------------------------------------- scoping inside a context


@pytest.mark.weight(2)
def test_all_is_limited_to_the_tenant(database, driver):
    check(database, driver, ROWS, [["enter", 1], ["list"], ["exit"], ["enter", 2], ["list"], ["exit"]])


@pytest.mark.weight(2)
def test_filter_exclude_values_exists_are_scoped(database, driver):
    check(
        database,
        driver,
        ROWS,
        [
            ["enter", 1],
            ["filter", "alpha"],
            ["exclude", "alpha"],
            ["values"],
            ["exists", "delta"],
            ["exists", "beta"],
            ["exit"],
        ],
    )


@pytest.mark.weight(2)
def test_get_is_scoped(database, driver):
    check(
        database,
        driver,
        ROWS,
        [["enter", 2], ["get", 5], ["get", 1], ["get", 4], ["get_name", "alpha"], ["exit"]],
    )


def test_get_by_name_shared_with_other_tenants_finds_one(database, driver):
    check(database, driver, ROWS, [["enter", 1], ["get_name", "alpha"], ["get_name", "delta"], ["exit"]])


@pytest.mark.weight(2)
def test_count_is_scoped(database, driver):
    check(
        database,
        driver,
        ROWS,
        [["enter", 1], ["count"], ["exit"], ["enter", 3], ["count"], ["exit"], ["enter", 9], ["count"]],
    )


@pytest.mark.weight(3)
def test_create_sets_tenant(database, driver):
    check(
        database, driver, ROWS, [["enter", 3], ["create", "new"], ["list"], ["exit"], ["enter", 1], ["list"], ["exit"]]
    )


@pytest.mark.weight(2)
def test_update_is_scoped(database, driver):
    check(
        database,
        driver,
        ROWS,
        [
            ["enter", 2],
            ["update", "renamed"],
            ["exit"],
            ["enter", 1],
            ["update_filter", "alpha", "first"],
            ["exit"],
            ["all_tenants"],
        ],
    )


@pytest.mark.weight(2)
def test_delete_is_scoped(database, driver):
    check(
        database,
        driver,
        ROWS,
        [
            ["enter", 1],
            ["delete"],
            ["list"],
            ["exit"],
            ["enter", 2],
            ["delete_filter", "alpha"],
            ["exit"],
            ["all_tenants"],
        ],
    )


def test_tenant_zero_is_a_tenant(database, driver):
    check(database, driver, ROWS, [["enter", 0], ["list"], ["count"], ["create", "z2"], ["list"], ["exit"], ["list"]])


def test_tenant_without_rows_sees_nothing(database, driver):
    check(
        database,
        driver,
        ROWS,
        [["enter", 42], ["list"], ["count"], ["get", 1], ["update", "x"], ["delete"], ["exit"], ["all_tenants"]],
    )


def test_all_tenants_manager_is_not_scoped(database, driver):
    check(database, driver, ROWS, [["all_tenants"], ["enter", 1], ["all_tenants"], ["exit"]])


# ---------------------------------------------------------------- outside any context


@pytest.mark.weight(3)
@pytest.mark.parametrize(
    "step",
    [
        ["list"],
        ["filter", "alpha"],
        ["count"],
        ["get", 1],
        ["exists", "alpha"],
        ["create", "x"],
        ["update", "x"],
        ["delete"],
        ["values"],
    ],
    ids=lambda s: s[0],
)
def test_outside_any_context_raises_tenant_required(database, driver, step):
    check(database, driver, ROWS, [step])
    info = driver.exception_info()
    assert info["is_exception_class"]
    assert info["mro"][0] == "TenantRequired"
    assert "Exception" in info["mro"]


@pytest.mark.weight(2)
def test_after_the_context_closes_it_raises_again(database, driver):
    check(database, driver, ROWS, [["enter", 1], ["count"], ["exit"], ["count"], ["list"]])


# ---------------------------------------------------------------- nesting and exceptions


@pytest.mark.weight(3)
def test_nested_contexts_restore_the_outer_tenant(database, driver):
    check(
        database,
        driver,
        ROWS,
        [
            ["enter", 1],
            ["enter", 2],
            ["list"],
            ["enter", 3],
            ["list"],
            ["exit"],
            ["list"],
            ["exit"],
            ["list"],
            ["exit"],
            ["list"],
        ],
    )


def test_nesting_the_same_tenant(database, driver):
    check(database, driver, ROWS, [["enter", 2], ["enter", 2], ["exit"], ["list"], ["exit"], ["list"]])


@pytest.mark.weight(3)
def test_context_is_restored_after_an_exception(database, driver):
    check(
        database,
        driver,
        ROWS,
        [
            ["enter", 1],
            ["raise_in", 2],
            ["list"],
            ["exit"],
            ["raise_in", 3],
            ["list"],
            ["count"],
        ],
    )


# ---------------------------------------------------------------- property


NAMES = ["a", "b", "c"]
tenants = st.integers(min_value=0, max_value=3)
row_lists = st.lists(st.fixed_dictionaries({"tenant_id": tenants, "name": st.sampled_from(NAMES)}), max_size=10).map(
    lambda rows: [dict(r, id=i + 1) for i, r in enumerate(rows)]
)
step_st = st.one_of(
    st.tuples(st.just("enter"), tenants),
    st.tuples(st.just("exit")),
    st.tuples(st.just("raise_in"), tenants),
    st.tuples(st.just("list")),
    st.tuples(st.just("count")),
    st.tuples(
        st.sampled_from(["filter", "exclude", "exists", "create", "delete_filter", "get_name"]), st.sampled_from(NAMES)
    ),
    st.tuples(st.just("get"), st.integers(min_value=1, max_value=12)),
    st.tuples(st.just("update_filter"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("delete")),
    st.tuples(st.just("update"), st.sampled_from(NAMES)),
    st.tuples(st.just("values")),
).map(list)


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(rows=row_lists, first=tenants, steps=st.lists(step_st, min_size=1, max_size=14))
def test_random_steps_match_the_oracle(database, driver, rows, first, steps):
    # Start inside a context so that most steps run scoped; "exit" steps leave it at random.
    check(database, driver, rows, [["enter", first], *steps])


# ---------------------------------------------------------------- threads and tasks


def listing(tenant):
    return ["ok", sorted([r["id"], r["tenant_id"], r["name"]] for r in ROWS if r["tenant_id"] == tenant)]


# Who does what, in this order: the worker's main thread ("main") and one more thread ("thread"),
# which the main thread starts while it is inside tenant 1. Each side runs its queries on its own
# database connection, as any thread does in Django.
THREAD_SCRIPT = [
    ("main", ["enter", 1], OK),
    ("main", ["start thread"], None),
    ("thread", ["list"], REQUIRED),  # a fresh thread has no tenant, whatever its parent has
    ("thread", ["enter", 2], OK),
    ("thread", ["list"], listing(2)),
    ("main", ["list"], listing(1)),  # main is still in 1 after the thread entered 2
    ("main", ["enter", 3], OK),
    ("thread", ["list"], listing(2)),  # the thread is still in 2 after main entered 3
    ("main", ["list"], listing(3)),
    ("main", ["exit"], OK),
    ("thread", ["exit"], OK),
    ("thread", ["list"], REQUIRED),  # the thread's exit restores its own "no tenant"
    ("main", ["list"], listing(1)),
    ("main", ["exit"], OK),
    ("main", ["list"], REQUIRED),
]


@pytest.mark.weight(4)
def test_threads_do_not_share_the_tenant(database, driver):
    database.load({TABLE: ROWS})
    driver.leave_all()
    sessions = {"main": set(), "thread": set()}
    try:
        for i, (who, step, want) in enumerate(THREAD_SCRIPT):
            if step == ["start thread"]:
                driver.thread_start()
                continue
            call = driver.step if who == "main" else driver.thread_step
            statements = observed(database, f"step {i}: {who} {step}", lambda call=call, step=step: call(step), want)
            sessions[who] |= {s.session for s in statements if not s.is_transaction_control}
    finally:
        driver.thread_stop()
        driver.leave_all()
    # What the scenario means: the two threads really queried on two connections of their own.
    assert len(sessions["main"]) == 1 and len(sessions["thread"]) == 1, sessions
    assert sessions["main"] != sessions["thread"], sessions
    assert stored(database) == Oracle(ROWS).table()


# Asyncio tasks on one event loop, taking turns at `await` points: the parent "P" starts with no
# tenant, enters 1 and spawns "A" and "B" from inside it; their queries go through sync_to_async.
TASK_SCRIPT = [
    ("P", ["enter", 1], OK),
    ("P", ["spawn", "A"], OK),
    ("P", ["spawn", "B"], OK),
    ("A", ["enter", 2], OK),
    ("A", ["list"], listing(2)),
    ("B", ["list"], listing(1)),  # B started with its parent's tenant; A's 2 is not B's
    ("B", ["enter", 4], OK),
    ("B", ["list"], listing(4)),
    ("A", ["list"], listing(2)),  # still 2 in A after B entered 4
    ("A", ["exit"], OK),
    ("A", ["list"], listing(1)),  # A's exit restores A's own tenant, its parent's 1
    ("B", ["list"], listing(4)),  # A's exit did not touch B
    ("B", ["exit"], OK),
    ("B", ["list"], listing(1)),
    ("A", ["end"], OK),
    ("B", ["end"], OK),
    ("P", ["list"], listing(1)),  # what the tasks entered never reached the parent
    ("P", ["exit"], OK),
    ("P", ["list"], REQUIRED),
]


@pytest.mark.weight(4)
def test_asyncio_tasks_do_not_share_the_tenant(database, driver):
    database.load({TABLE: ROWS})
    try:
        driver.task_start("P")
        for i, (who, step, want) in enumerate(TASK_SCRIPT):
            observed(
                database, f"step {i}: task {who} {step}", lambda who=who, step=step: driver.task_step(who, step), want
            )
    finally:
        driver.tasks_stop()
    assert stored(database) == Oracle(ROWS).table()


# ---------------------------------------------------------------- random interleavings


class Side:
    """The oracle for one thread or task: the tenant it started with (if any), then the contexts
    it entered itself; an "exit" with none of its own open leaves it as it is, as in the driver."""

    def __init__(self, inherited=None):
        self.oracle = Oracle(ROWS)
        self.oracle.stack = [] if inherited is None else [inherited]
        self.inherited = len(self.oracle.stack)

    def current(self):
        return self.oracle.stack[-1] if self.oracle.stack else None

    def step(self, step):
        if step[0] == "exit" and len(self.oracle.stack) <= self.inherited:
            return OK
        return self.oracle.step(step)


side_step_st = st.one_of(
    st.tuples(st.just("enter"), tenants),
    st.tuples(st.just("exit")),
    st.tuples(st.just("list")),
    st.tuples(st.just("count")),
).map(list)


@settings(max_examples=25)
@given(
    first=tenants,
    steps=st.lists(st.tuples(st.sampled_from(["main", "thread"]), side_step_st), min_size=1, max_size=12),
)
def test_random_thread_interleavings_keep_tenants_apart(database, driver, first, steps):
    database.load({TABLE: ROWS})
    driver.leave_all()
    sides = {"main": Side(), "thread": Side()}
    calls = {"main": driver.step, "thread": driver.thread_step}
    try:
        observed(
            database,
            f"main enters {first}",
            lambda: driver.step(["enter", first]),
            sides["main"].step(["enter", first]),
        )
        driver.thread_start()  # started from inside the main thread's context
        for i, (who, step) in enumerate(steps):
            want = sides[who].step(step)
            observed(database, f"step {i}: {who} {step}", lambda call=calls[who], step=step: call(step), want)
    finally:
        driver.thread_stop()
        driver.leave_all()
    assert stored(database) == Oracle(ROWS).table()


@settings(max_examples=25)
@given(
    first=tenants,
    steps=st.lists(st.tuples(st.sampled_from(["P", "A", "B"]), side_step_st), min_size=1, max_size=12),
)
def test_random_task_interleavings_keep_tenants_apart(database, driver, first, steps):
    database.load({TABLE: ROWS})
    sides = {"P": Side()}
    try:
        driver.task_start("P")
        observed(
            database,
            f"task P enters {first}",
            lambda: driver.task_step("P", ["enter", first]),
            sides["P"].step(["enter", first]),
        )
        for child in ("A", "B"):  # spawned from inside the parent's context: they start with its tenant
            assert driver.task_step("P", ["spawn", child]) == OK
            sides[child] = Side(sides["P"].current())
        script = [*steps, ("A", ["end"]), ("B", ["end"]), ("P", ["list"]), ("P", ["exit"]), ("P", ["list"])]
        for i, (who, step) in enumerate(script):
            want = OK if step == ["end"] else sides[who].step(step)
            observed(
                database, f"step {i}: task {who} {step}", lambda who=who, step=step: driver.task_step(who, step), want
            )
    finally:
        driver.tasks_stop()
    assert stored(database) == Oracle(ROWS).table()
