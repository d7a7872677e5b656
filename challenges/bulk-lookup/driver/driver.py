"""Driver for bulk-lookup, run in the worker next to the submission.

Each scenario loads the plain fixture rows the test passes, calls the
submission, reads what it returned (the reading is counted with the call) and
reports it as plain values with the SQL that ran, inside a transaction that is
rolled back. The hidden tests hold the expected values, not this file.
"""

from __future__ import annotations

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


def customers_for_scenario(customers=(), orders=(), order_ids=()) -> dict[str, Any]:
    """Call customers_for() with fresh Order instances (customer not loaded), one per id in order_ids.

    Returns {"is_dict", "mapping": {order id: ["Customer", customer.id, customer.email]},
    "queries", "sql"}.
    """
    with djangokit.scenario():
        _load(list(customers), list(orders))
        # One separate instance per position, loaded without its customer.
        instances = [Order.objects.get(pk=order_id) for order_id in order_ids]
        with djangokit.capture_queries() as sql:
            result = solution.customers_for(instances)
            mapping = {_key(key, int): [_kind(value, Customer), value.id, value.email] for key, value in result.items()}
        return {
            "is_dict": isinstance(result, dict),
            "mapping": mapping,
            "queries": len(sql),
            "sql": list(sql),
        }


def orders_by_email_scenario(customers=(), orders=(), emails=()) -> dict[str, Any]:
    """Call orders_by_email(emails) and read every order's id, customer_id and total.

    Returns {"is_dict", "mapping": {email: [[order.id, order.customer_id, str(total)], ...]},
    "values_are_lists", "items_are_orders", "queries", "sql"}.
    """
    with djangokit.scenario():
        _load(list(customers), list(orders))
        values_are_lists = items_are_orders = True
        with djangokit.capture_queries() as sql:
            result = solution.orders_by_email(list(emails))
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
            "queries": len(sql),
            "sql": list(sql),
        }
