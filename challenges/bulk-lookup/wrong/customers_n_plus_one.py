# wrong: customers_for reads order.customer for each order: one query per order
# max-percent: 70
from django.db.models.functions import Lower
from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    return {order.id: order.customer for order in orders}


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    if not emails:
        return {}
    wanted = {email.lower() for email in emails}
    found = Order.objects.annotate(email_key=Lower("customer__email")).filter(email_key__in=wanted).order_by("id")
    groups: dict[str, list[Order]] = {key: [] for key in wanted}
    for order in found:
        groups[order.email_key].append(order)
    return {email: list(groups[email.lower()]) for email in emails}
