# wrong: customers_for returns in_bulk's dict, keyed by customer id instead of order id
# max-percent: 65
from django.db.models.functions import Lower
from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    return Customer.objects.in_bulk({order.customer_id for order in orders})


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    if not emails:
        return {}
    wanted = {email.lower() for email in emails}
    found = Order.objects.annotate(email_key=Lower("customer__email")).filter(email_key__in=wanted).order_by("id")
    groups: dict[str, list[Order]] = {key: [] for key in wanted}
    for order in found:
        groups[order.email_key].append(order)
    return {email: list(groups[email.lower()]) for email in emails}
