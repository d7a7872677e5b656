"""The prompt's example, through the challenge's driver."""

CUSTOMERS = [
    {"id": 1, "email": "ann@example.com"},
    {"id": 2, "email": "Bob@Example.com"},
    {"id": 3, "email": "cy@example.com"},
]
ORDERS = [
    {"id": 10, "customer_id": 1, "total": "12.50"},
    {"id": 11, "customer_id": 2, "total": "3.00"},
    {"id": 12, "customer_id": 1, "total": "7.25"},
]


def test_customers_for(driver):
    obs = driver.customers_for_scenario(customers=CUSTOMERS, orders=ORDERS, order_ids=[12, 11])
    assert obs["mapping"] == {12: ["Customer", 1, "ann@example.com"], 11: ["Customer", 2, "Bob@Example.com"]}
    assert obs["queries"] <= 1, obs["sql"]


def test_customers_for_empty(driver):
    obs = driver.customers_for_scenario(customers=CUSTOMERS, orders=ORDERS, order_ids=[])
    assert obs["mapping"] == {}
    assert obs["queries"] == 0, obs["sql"]


def test_orders_by_email(driver):
    emails = ["ANN@example.com", "bob@example.com", "cy@example.com", "zed@example.com"]
    obs = driver.orders_by_email_scenario(customers=CUSTOMERS, orders=ORDERS, emails=emails)
    assert obs["mapping"] == {
        "ANN@example.com": [[10, 1, "12.50"], [12, 1, "7.25"]],
        "bob@example.com": [[11, 2, "3.00"]],
        "cy@example.com": [],
        "zed@example.com": [],
    }
    assert obs["queries"] == 1, obs["sql"]


def test_customers_for_one_object_per_customer(driver):
    obs = driver.customers_for_scenario(customers=CUSTOMERS, orders=ORDERS, order_ids=[10, 12])
    assert obs["mapping"] == {10: ["Customer", 1, "ann@example.com"], 12: ["Customer", 1, "ann@example.com"]}
    assert obs["instances"][10] == obs["instances"][12], "found[10] is not found[12]"
    assert obs["queries"] <= 1, obs["sql"]
