"""Hidden suite for bulk-lookup, on the grader's PostgreSQL server.

The rows are loaded here, as the database's owner; the driver only calls the submission in the
worker and reads what it returned (for `customers_for` it builds the orders without a query of its
own); the statements are those the server logged for this test's role while the call and the
reading ran (nothing in the worker counts them). The expected mappings are computed here, from
the same fixture rows.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- oracle


def expected_customers_for(customers, orders, order_ids):
    email = {c["id"]: c["email"] for c in customers}
    owner = {o["id"]: o["customer_id"] for o in orders}
    return {oid: ["Customer", owner[oid], email[owner[oid]]] for oid in order_ids}


def expected_orders_by_email(customers, orders, emails):
    by_folded = {c["email"].lower(): c["id"] for c in customers}
    ordered = sorted(orders, key=lambda o: o["id"])
    result = {}
    for email in emails:
        cid = by_folded.get(email.lower())
        result[email] = [[o["id"], o["customer_id"], o["total"]] for o in ordered if o["customer_id"] == cid]
    return result


def same_instance_groups(obs):
    """For each customer id among the values, the set of instance numbers its orders got."""
    groups = {}
    for oid, (_kind, cid, _email) in obs["mapping"].items():
        groups.setdefault(cid, set()).add(obs["instances"][oid])
    return groups


def assert_one_instance_per_customer(obs):
    """Orders of one customer map to the very same Customer object, and different customers to
    different objects (the driver numbers the values by identity)."""
    groups = same_instance_groups(obs)
    assert all(len(numbers) == 1 for numbers in groups.values()), (
        f"orders of one customer got several Customer objects: {groups}"
    )
    assert len({next(iter(numbers)) for numbers in groups.values()}) == len(groups)


def tables(customers=(), orders=()):
    """The fixture as the tables Django made for the `shop` app."""
    return {"shop_customer": list(customers), "shop_order": list(orders)}


# The load runs inside the observed window (the owner's statements are not counted): whatever the
# worker's role sends once the rows exist, from any thread of the submission's, counts, so nothing
# can read the new rows ahead of the call and answer from a cache for free.


def customers_for(database, driver, customers=(), orders=(), order_ids=()):
    """Load the rows, call customers_for with the orders of `order_ids`, count what its role sent."""
    by_id = {o["id"]: o for o in orders}
    rows = [by_id[oid] for oid in order_ids]
    with database.observe() as seen:
        database.load(tables(customers, orders))
        obs = driver.customers_for(rows)
    return {**obs, "queries": seen.queries, "sql": seen.sql}


def orders_by_email(database, driver, customers=(), orders=(), emails=()):
    """Load the rows, call orders_by_email(emails), count what its role sent."""
    with database.observe() as seen:
        database.load(tables(customers, orders))
        obs = driver.orders_by_email(list(emails))
    return {**obs, "queries": seen.queries, "sql": seen.sql}


def money(cents):
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------- fixtures

CUSTOMERS = [
    {"id": 1, "email": "ann@example.com"},
    {"id": 2, "email": "Bob@Example.com"},
    {"id": 3, "email": "cy@example.com"},
]
ORDERS = [
    {"id": 12, "customer_id": 1, "total": "7.25"},
    {"id": 10, "customer_id": 1, "total": "12.50"},
    {"id": 11, "customer_id": 2, "total": "3.00"},
]


def big_data(n_customers, n_orders):
    customers = [{"id": 5 + 3 * i, "email": f"User{i}.Name@Host{i % 7}.example"} for i in range(n_customers)]
    orders = [
        {
            "id": 100_000 - 13 * i,
            "customer_id": customers[(i * 7) % n_customers]["id"],
            "total": money((i * 7919) % 100_000),
        }
        for i in range(n_orders)
    ]
    return customers, orders


# ---------------------------------------------------------------- customers_for


@pytest.mark.weight(2)
def test_customers_for_example(database, driver):
    obs = customers_for(database, driver, customers=CUSTOMERS, orders=ORDERS, order_ids=[12, 11])
    assert obs["is_dict"] is True
    assert obs["mapping"] == {12: ["Customer", 1, "ann@example.com"], 11: ["Customer", 2, "Bob@Example.com"]}
    assert obs["queries"] <= 1, obs["sql"]


@pytest.mark.weight(2)
def test_customers_for_empty_list_runs_no_query(database, driver):
    obs = customers_for(database, driver, customers=CUSTOMERS, orders=ORDERS, order_ids=[])
    assert obs["mapping"] == {}
    assert obs["queries"] == 0, obs["sql"]


def test_customers_for_single_order(database, driver):
    obs = customers_for(database, driver, customers=CUSTOMERS, orders=ORDERS, order_ids=[11])
    assert obs["mapping"] == {11: ["Customer", 2, "Bob@Example.com"]}
    assert obs["queries"] <= 1, obs["sql"]


def test_orders_sharing_a_customer_share_one_customer_instance(database, driver):
    obs = customers_for(database, driver, customers=CUSTOMERS, orders=ORDERS, order_ids=[10, 12])
    assert obs["mapping"] == {10: ["Customer", 1, "ann@example.com"], 12: ["Customer", 1, "ann@example.com"]}
    assert obs["instances"][10] == obs["instances"][12], "result[10] is not result[12]"
    assert obs["queries"] <= 1, obs["sql"]


@pytest.mark.weight(3)
def test_customers_for_five_hundred_orders_in_one_query(database, driver):
    customers, orders = big_data(60, 500)
    order_ids = [o["id"] for o in orders]
    obs = customers_for(database, driver, customers=customers, orders=orders, order_ids=order_ids)
    assert obs["queries"] <= 1, obs["sql"][:5]
    assert obs["mapping"] == expected_customers_for(customers, orders, order_ids)
    assert_one_instance_per_customer(obs)


def test_customers_for_many_distinct_customers_in_one_query(database, driver):
    customers, orders = big_data(300, 300)
    order_ids = [o["id"] for o in orders][::2]
    obs = customers_for(database, driver, customers=customers, orders=orders, order_ids=order_ids)
    assert obs["queries"] <= 1, obs["sql"][:5]
    assert obs["mapping"] == expected_customers_for(customers, orders, order_ids)
    assert_one_instance_per_customer(obs)


# ---------------------------------------------------------------- orders_by_email


@pytest.mark.weight(2)
def test_orders_by_email_example(database, driver):
    emails = ["ANN@example.com", "bob@example.com", "cy@example.com", "zed@example.com"]
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=ORDERS, emails=emails)
    assert obs["is_dict"] is True
    assert obs["mapping"] == {
        "ANN@example.com": [[10, 1, "12.50"], [12, 1, "7.25"]],
        "bob@example.com": [[11, 2, "3.00"]],
        "cy@example.com": [],
        "zed@example.com": [],
    }
    assert obs["queries"] == 1, obs["sql"]


def test_values_are_lists_of_orders(database, driver):
    obs = orders_by_email(
        database, driver, customers=CUSTOMERS, orders=ORDERS, emails=["ann@example.com", "nobody@example.com"]
    )
    assert obs["values_are_lists"] is True
    assert obs["items_are_orders"] is True


def test_matching_ignores_case_on_both_sides(database, driver):
    obs = orders_by_email(
        database, driver, customers=CUSTOMERS, orders=ORDERS, emails=["BOB@EXAMPLE.COM", "Ann@Example.Com"]
    )
    assert obs["mapping"] == {
        "BOB@EXAMPLE.COM": [[11, 2, "3.00"]],
        "Ann@Example.Com": [[10, 1, "12.50"], [12, 1, "7.25"]],
    }
    assert obs["queries"] == 1, obs["sql"]


def test_two_spellings_of_one_email_are_both_keys(database, driver):
    emails = ["ann@example.com", "ANN@EXAMPLE.COM"]
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=ORDERS, emails=emails)
    rows = [[10, 1, "12.50"], [12, 1, "7.25"]]
    assert obs["mapping"] == {"ann@example.com": rows, "ANN@EXAMPLE.COM": rows}
    assert obs["queries"] == 1, obs["sql"]


def test_emails_without_orders_map_to_empty_lists(database, driver):
    emails = ["cy@example.com", "ghost@example.com"]
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=ORDERS, emails=emails)
    assert obs["mapping"] == {"cy@example.com": [], "ghost@example.com": []}
    assert obs["queries"] == 1, obs["sql"]


def test_orders_are_sorted_by_id(database, driver):
    orders = [
        {"id": 40, "customer_id": 1, "total": "1.00"},
        {"id": 7, "customer_id": 1, "total": "9.00"},
        {"id": 23, "customer_id": 1, "total": "5.00"},
        {"id": 3, "customer_id": 2, "total": "2.00"},
    ]
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=orders, emails=["ann@example.com"])
    assert obs["mapping"] == {"ann@example.com": [[7, 1, "9.00"], [23, 1, "5.00"], [40, 1, "1.00"]]}


def test_underscore_and_percent_are_plain_characters(database, driver):
    customers = [{"id": 1, "email": "a_b@x.org"}, {"id": 2, "email": "100%@x.org"}]
    orders = [{"id": 1, "customer_id": 1, "total": "1.00"}, {"id": 2, "customer_id": 2, "total": "2.00"}]
    emails = ["axb@x.org", "A_B@X.org", "100x@x.org", "100%@X.ORG"]
    obs = orders_by_email(database, driver, customers=customers, orders=orders, emails=emails)
    assert obs["mapping"] == {
        "axb@x.org": [],
        "A_B@X.org": [[1, 1, "1.00"]],
        "100x@x.org": [],
        "100%@X.ORG": [[2, 2, "2.00"]],
    }


def test_empty_email_list(database, driver):
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=ORDERS, emails=[])
    assert obs["mapping"] == {}
    assert obs["queries"] <= 1, obs["sql"]


def test_nothing_matches_still_one_query(database, driver):
    obs = orders_by_email(database, driver, customers=CUSTOMERS, orders=ORDERS, emails=["x@y.z"])
    assert obs["mapping"] == {"x@y.z": []}
    assert obs["queries"] == 1, obs["sql"]


def test_single_email_single_order(database, driver):
    obs = orders_by_email(database, driver, customers=CUSTOMERS[:1], orders=ORDERS[:1], emails=["ann@example.com"])
    assert obs["mapping"] == {"ann@example.com": [[12, 1, "7.25"]]}
    assert obs["queries"] == 1, obs["sql"]


@pytest.mark.weight(3)
def test_five_hundred_emails_in_one_query(database, driver):
    customers, orders = big_data(400, 500)
    emails = [c["email"].swapcase() for c in customers] + [f"missing{i}@example.com" for i in range(100)]
    obs = orders_by_email(database, driver, customers=customers, orders=orders, emails=emails)
    assert obs["queries"] == 1, obs["sql"][:5]
    assert obs["mapping"] == expected_orders_by_email(customers, orders, emails)


# ---------------------------------------------------------------- properties

local_parts = st.text(alphabet="abcXYZ09._%+-", min_size=1, max_size=6)
domains = st.sampled_from(["example.com", "Example.COM", "x.org", "mail.Test"])
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


@st.composite
def shop_data(draw):
    stored = draw(st.lists(emails, unique_by=str.lower, max_size=6))
    customer_ids = draw(st.lists(st.integers(1, 10_000), unique=True, min_size=len(stored), max_size=len(stored)))
    customers = [{"id": i, "email": e} for i, e in zip(customer_ids, stored, strict=True)]
    orders = []
    if customers:
        order_ids = draw(st.lists(st.integers(1, 10_000), unique=True, max_size=12))
        for oid in order_ids:
            orders.append(
                {
                    "id": oid,
                    "customer_id": draw(st.sampled_from(customer_ids)),
                    "total": money(draw(st.integers(0, 10**7))),
                }
            )
    return customers, orders


def recase(text, flips):
    return "".join(c.swapcase() if flip else c for c, flip in zip(text, flips + [False] * len(text), strict=False))


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(data=shop_data(), picks=st.data())
def test_customers_for_matches_the_model(database, driver, data, picks):
    customers, orders = data
    order_ids = picks.draw(st.lists(st.sampled_from([o["id"] for o in orders]), unique=True)) if orders else []
    obs = customers_for(database, driver, customers=customers, orders=orders, order_ids=order_ids)
    assert obs["mapping"] == expected_customers_for(customers, orders, order_ids)
    assert_one_instance_per_customer(obs)
    assert obs["queries"] <= (1 if order_ids else 0), obs["sql"]


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(data=shop_data(), picks=st.data())
def test_orders_by_email_matches_the_model(database, driver, data, picks):
    customers, orders = data
    candidates = [c["email"] for c in customers]
    asked = []
    for _ in range(picks.draw(st.integers(0, 6))):
        base = picks.draw(st.sampled_from(candidates) if candidates else emails)
        if picks.draw(st.booleans()):
            base = picks.draw(emails)  # most likely unknown
        asked.append(recase(base, picks.draw(st.lists(st.booleans(), max_size=len(base)))))
    obs = orders_by_email(database, driver, customers=customers, orders=orders, emails=asked)
    assert obs["mapping"] == expected_orders_by_email(customers, orders, asked)
    if asked:
        assert obs["queries"] == 1, obs["sql"]
    else:
        assert obs["queries"] <= 1, obs["sql"]
