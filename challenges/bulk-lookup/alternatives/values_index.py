# alternative: customers by filter(pk__in=...) into a dict; orders matched via a Lower() join, grouped in Python
"""Dictionary built from a filter() queryset, grouping keyed by customer id."""

from collections import defaultdict

from django.db.models.functions import Lower
from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    wanted = [order.customer_id for order in orders]
    if not wanted:
        return {}
    by_id = {customer.pk: customer for customer in Customer.objects.filter(pk__in=wanted)}
    return {order.pk: by_id[order.customer_id] for order in orders}


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    lowered = sorted({email.lower() for email in emails})
    if not lowered:
        return {}
    rows = (
        Order.objects.alias(folded=Lower("customer__email"))
        .filter(folded__in=lowered)
        .select_related("customer")
        .order_by("pk")
    )
    by_customer_email: defaultdict[str, list[Order]] = defaultdict(list)
    for order in rows:
        by_customer_email[order.customer.email.lower()].append(order)
    return {email: by_customer_email.get(email.lower(), []) for email in emails}
