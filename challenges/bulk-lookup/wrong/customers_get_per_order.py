# wrong: customers_for caches by customer id but still runs Customer.objects.get once per distinct customer
# max-percent: 70
from django.db.models.functions import Lower
from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    seen: dict[int, Customer] = {}
    result = {}
    for order in orders:
        if order.customer_id not in seen:
            seen[order.customer_id] = Customer.objects.get(pk=order.customer_id)
        result[order.id] = seen[order.customer_id]
    return result


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    if not emails:
        return {}
    wanted = {email.lower() for email in emails}
    found = Order.objects.annotate(email_key=Lower("customer__email")).filter(email_key__in=wanted).order_by("id")
    groups: dict[str, list[Order]] = {key: [] for key in wanted}
    for order in found:
        groups[order.email_key].append(order)
    return {email: list(groups[email.lower()]) for email in emails}
