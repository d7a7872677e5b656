"""Reference: fetch everything needed in one IN query, then answer from a dict (O(1) per lookup)."""

from django.db.models.functions import Lower
from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    # in_bulk returns {} without a query for an empty id set.
    customers = Customer.objects.in_bulk({order.customer_id for order in orders})
    return {order.id: customers[order.customer_id] for order in orders}


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    if not emails:
        return {}
    wanted = {email.lower() for email in emails}
    # One query: each order with its customer's email folded to lower case, filtered
    # by the folded emails asked for, in id order so that the groups come out sorted.
    found = Order.objects.annotate(email_key=Lower("customer__email")).filter(email_key__in=wanted).order_by("id")
    groups: dict[str, list[Order]] = {key: [] for key in wanted}
    for order in found:
        groups[order.email_key].append(order)
    # Two spellings of one email share the same orders; each gets its own list.
    return {email: list(groups[email.lower()]) for email in emails}
