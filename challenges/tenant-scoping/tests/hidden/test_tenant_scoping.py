"""Hidden suite for tenant-scoping.

The driver loads the rows given here into a rolled-back transaction, runs the
steps (or a fixed interleaving of threads / asyncio tasks) against the
submission's tenant_context and Project.objects, and reports what each step saw.
The expected observations are computed here by a small oracle.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

REQUIRED = ["error", "TenantRequired"]

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
    """What a correct submission shows for a list of steps (ids of created rows follow SQLite's
    AUTOINCREMENT: one more than the largest id ever inserted)."""

    def __init__(self, rows):
        self.rows = [dict(r) for r in rows]
        self.seq = max((r["id"] for r in self.rows), default=0)
        self.stack = []

    def table(self):
        return sorted([r["tenant_id"], r["name"]] for r in self.rows)

    def mine(self):
        t = self.stack[-1]
        return [r for r in self.rows if r["tenant_id"] == t]

    @staticmethod
    def listing(rows):
        return sorted([r["id"], r["tenant_id"], r["name"]] for r in rows)

    def run(self, steps):
        return [self.step(s) for s in steps]

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
            return ["ok", [t, t, args[0]]]
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


def check(driver, rows, steps):
    obs = driver.steps_scenario(rows=rows, steps=steps)
    oracle = Oracle(rows)
    expected = oracle.run(steps)
    for i, (step, got, want) in enumerate(zip(steps, obs["results"], expected)):
        assert got == want, f"step {i} {step}: got {got}, expected {want}"
        if want == REQUIRED:
            assert obs["sql"][i] == [], f"step {i} {step} ran SQL outside any context: {obs['sql'][i]}"
    assert len(obs["results"]) == len(steps)
    assert obs["table"] == oracle.table()
    return obs


# ---------------------------------------------------------------- scoping inside a context


@pytest.mark.weight(2)
def test_all_is_limited_to_the_tenant(driver):
    check(driver, ROWS, [["enter", 1], ["list"], ["exit"], ["enter", 2], ["list"], ["exit"]])


@pytest.mark.weight(2)
def test_filter_exclude_values_exists_are_scoped(driver):
    check(
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
def test_get_is_scoped(driver):
    check(
        driver,
        ROWS,
        [["enter", 2], ["get", 5], ["get", 1], ["get", 4], ["get_name", "alpha"], ["exit"]],
    )


def test_get_by_name_shared_with_other_tenants_finds_one(driver):
    check(driver, ROWS, [["enter", 1], ["get_name", "alpha"], ["get_name", "delta"], ["exit"]])


@pytest.mark.weight(2)
def test_count_is_scoped(driver):
    check(driver, ROWS, [["enter", 1], ["count"], ["exit"], ["enter", 3], ["count"], ["exit"], ["enter", 9], ["count"]])


@pytest.mark.weight(3)
def test_create_sets_tenant(driver):
    check(driver, ROWS, [["enter", 3], ["create", "new"], ["list"], ["exit"], ["enter", 1], ["list"], ["exit"]])


@pytest.mark.weight(2)
def test_update_is_scoped(driver):
    check(
        driver,
        ROWS,
        [["enter", 2], ["update", "renamed"], ["exit"], ["enter", 1], ["update_filter", "alpha", "first"], ["exit"], ["all_tenants"]],
    )


@pytest.mark.weight(2)
def test_delete_is_scoped(driver):
    check(driver, ROWS, [["enter", 1], ["delete"], ["list"], ["exit"], ["enter", 2], ["delete_filter", "alpha"], ["exit"], ["all_tenants"]])


def test_tenant_zero_is_a_tenant(driver):
    check(driver, ROWS, [["enter", 0], ["list"], ["count"], ["create", "z2"], ["list"], ["exit"], ["list"]])


def test_tenant_without_rows_sees_nothing(driver):
    check(driver, ROWS, [["enter", 42], ["list"], ["count"], ["get", 1], ["update", "x"], ["delete"], ["exit"], ["all_tenants"]])


def test_all_tenants_manager_is_not_scoped(driver):
    check(driver, ROWS, [["all_tenants"], ["enter", 1], ["all_tenants"], ["exit"]])


# ---------------------------------------------------------------- outside any context


@pytest.mark.weight(3)
@pytest.mark.parametrize(
    "step",
    [["list"], ["filter", "alpha"], ["count"], ["get", 1], ["exists", "alpha"], ["create", "x"], ["update", "x"], ["delete"], ["values"]],
    ids=lambda s: s[0],
)
def test_outside_any_context_raises_tenant_required(driver, step):
    check(driver, ROWS, [step])
    info = driver.exception_info()
    assert info["is_exception_class"]
    assert info["mro"][0] == "TenantRequired"
    assert "Exception" in info["mro"]


@pytest.mark.weight(2)
def test_after_the_context_closes_it_raises_again(driver):
    check(driver, ROWS, [["enter", 1], ["count"], ["exit"], ["count"], ["list"]])


# ---------------------------------------------------------------- nesting and exceptions


@pytest.mark.weight(3)
def test_nested_contexts_restore_the_outer_tenant(driver):
    check(
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


def test_nesting_the_same_tenant(driver):
    check(driver, ROWS, [["enter", 2], ["enter", 2], ["exit"], ["list"], ["exit"], ["list"]])


@pytest.mark.weight(3)
def test_context_is_restored_after_an_exception(driver):
    check(
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
row_lists = st.lists(
    st.fixed_dictionaries({"tenant_id": tenants, "name": st.sampled_from(NAMES)}), max_size=10
).map(lambda rows: [dict(r, id=i + 1) for i, r in enumerate(rows)])
step_st = st.one_of(
    st.tuples(st.just("enter"), tenants),
    st.tuples(st.just("exit")),
    st.tuples(st.just("raise_in"), tenants),
    st.tuples(st.just("list")),
    st.tuples(st.just("count")),
    st.tuples(st.sampled_from(["filter", "exclude", "exists", "create", "delete_filter", "get_name"]), st.sampled_from(NAMES)),
    st.tuples(st.just("get"), st.integers(min_value=1, max_value=12)),
    st.tuples(st.just("update_filter"), st.sampled_from(NAMES), st.sampled_from(NAMES)),
    st.tuples(st.just("delete")),
).map(list)


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(rows=row_lists, first=tenants, steps=st.lists(step_st, min_size=1, max_size=14))
def test_random_steps_match_the_oracle(driver, rows, first, steps):
    # Start inside a context so that most steps run scoped; "exit" steps leave it at random.
    check(driver, rows, [["enter", first], *steps])


# ---------------------------------------------------------------- threads and tasks


def listing(tenant):
    return ["ok", sorted([r["id"], r["tenant_id"], r["name"]] for r in ROWS if r["tenant_id"] == tenant)]


@pytest.mark.weight(4)
def test_threads_do_not_share_the_tenant(driver):
    obs = driver.threads_scenario(rows=ROWS)
    assert obs["thread"] == [
        ["fresh thread", REQUIRED],
        ["thread in 2", listing(2)],
        ["thread in 2 after main entered 3", listing(2)],
        ["thread after exit", REQUIRED],
    ]
    assert obs["main"] == [
        ["main in 1 after thread entered 2", listing(1)],
        ["main in 3", listing(3)],
        ["main back in 1", listing(1)],
        ["main outside", REQUIRED],
    ]


@pytest.mark.weight(4)
def test_asyncio_tasks_do_not_share_the_tenant(driver):
    obs = driver.tasks_scenario(rows=ROWS)
    assert sorted(obs["observations"]) == sorted(
        [
            ["A in 2", listing(2)],
            ["B while A is in 2", listing(1)],
            ["B in 4", listing(4)],
            ["A in 2 after B looked", listing(2)],
            ["A after exit", listing(1)],
            ["B in 4 after A exited", listing(4)],
            ["B after exit", listing(1)],
            ["parent after tasks", listing(1)],
            ["parent outside", REQUIRED],
        ]
    )
