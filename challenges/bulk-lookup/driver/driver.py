"""Driver for bulk-lookup, run in the worker next to the submission.

Two ways in. `customers_for(orders)` and `orders_by_email(emails)` only call the submission and
read what it returned into plain values: the hidden tests load the data and count the statements
from outside the worker, on the grader's PostgreSQL server (the reading happens inside the
window they observe, as the prompt says). The `*_scenario` functions load the fixture rows
themselves and count the SQL in this process, inside a rolled-back transaction: the visible
examples use them, in the grader and in the candidate's hand-out alike. The hidden tests hold the
expected values, not this file.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import djangokit

djangokit.setup("shop")

import solution  # noqa: E402
from shop.models import Customer, Order  # noqa: E402  (Django is usable only after setup)


def _load(customers: list[dict], orders: list[dict]) -> None:
    djangokit.load(Customer, customers)
    djangokit.load(Order, orders)


def _key(value: Any, kind: type) -> Any:
    """A dict key as a plain value; a key of another type shows up as "<TypeName>"."""
    if isinstance(value, kind) and not isinstance(value, bool):
        return kind(value)
    return f"<{type(value).__name__}>"


def _kind(value: Any, model: type) -> str:
    """The model's name for an instance of it (subclasses included), else "<TypeName>"."""
    return model.__name__ if isinstance(value, model) else f"<{type(value).__name__}>"


def _read_customers(result: Any) -> dict[str, Any]:
    """{"is_dict", "mapping": {order id: ["Customer", customer.id, customer.email]},
    "instances": {order id: n}}, where n numbers the distinct value objects (by identity) in the
    order the dict yields them: two keys with the same n map to the very same object."""
    mapping: dict[Any, list[Any]] = {}
    instances: dict[Any, int] = {}
    numbers: dict[int, int] = {}
    for key, value in result.items():
        plain_key = _key(key, int)
        mapping[plain_key] = [_kind(value, Customer), value.id, value.email]
        # Every value stays referenced by `result` while this runs: id() cannot be reused.
        instances[plain_key] = numbers.setdefault(id(value), len(numbers))
    return {"is_dict": isinstance(result, dict), "mapping": mapping, "instances": instances}


def _read_orders(result: Any) -> dict[str, Any]:
    """{"is_dict", "mapping": {email: [[order.id, order.customer_id, str(total)], ...]},
    "values_are_lists", "items_are_orders"}."""
    values_are_lists = items_are_orders = True
    mapping = {}
    for key, found in result.items():
        values_are_lists = values_are_lists and isinstance(found, list)
        rows = []
        for order in found:
            items_are_orders = items_are_orders and isinstance(order, Order)
            rows.append([order.id, order.customer_id, str(order.total)])
        mapping[_key(key, str)] = rows
    return {
        "is_dict": isinstance(result, dict),
        "mapping": mapping,
        "values_are_lists": values_are_lists,
        "items_are_orders": items_are_orders,
    }


# ---------------------------------------------------------------- the hidden tests' way in


def customers_for(orders=()) -> dict[str, Any]:
    """Call customers_for() with one Order instance per row of `orders` (dicts with id,
    customer_id, total: rows the test loaded), in that order, and read every value's id and email.

    The instances are built the way the ORM builds a fetched row (`Model.from_db`), so the driver
    itself sends no statement: each is a saved order whose customer is not loaded.
    Returns {"is_dict", "mapping", "instances"} (see `_read_customers`).
    """
    fields = [field.attname for field in Order._meta.concrete_fields]
    instances = [
        Order.from_db("default", fields, [row["id"], row["customer_id"], Decimal(str(row["total"]))]) for row in orders
    ]
    return _read_customers(solution.customers_for(instances))


def orders_by_email(emails=()) -> dict[str, Any]:
    """Call orders_by_email(emails) and read every listed order's id, customer_id and total.

    Returns {"is_dict", "mapping", "values_are_lists", "items_are_orders"} (see `_read_orders`).
    """
    return _read_orders(solution.orders_by_email(list(emails)))


# ---------------------------------------------------------------- the visible examples' way in


def customers_for_scenario(customers=(), orders=(), order_ids=()) -> dict[str, Any]:
    """Call customers_for() with fresh Order instances (customer not loaded), one per id in order_ids.

    Returns {"is_dict", "mapping": {order id: ["Customer", customer.id, customer.email]},
    "instances", "queries", "sql"}.
    """
    with djangokit.scenario():
        _load(list(customers), list(orders))
        # One separate instance per position, loaded without its customer.
        instances = [Order.objects.get(pk=order_id) for order_id in order_ids]
        with djangokit.capture_queries() as sql:
            seen = _read_customers(solution.customers_for(instances))
        return {**seen, "queries": len(sql), "sql": list(sql)}


def orders_by_email_scenario(customers=(), orders=(), emails=()) -> dict[str, Any]:
    """Call orders_by_email(emails) and read every order's id, customer_id and total.

    Returns {"is_dict", "mapping": {email: [[order.id, order.customer_id, str(total)], ...]},
    "values_are_lists", "items_are_orders", "queries", "sql"}.
    """
    with djangokit.scenario():
        _load(list(customers), list(orders))
        with djangokit.capture_queries() as sql:
            seen = _read_orders(solution.orders_by_email(list(emails)))
        return {**seen, "queries": len(sql), "sql": list(sql)}
