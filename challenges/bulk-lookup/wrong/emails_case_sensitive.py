# wrong: orders_by_email matches emails exactly, so a differently cased email finds nothing
# max-percent: 65

from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    customers = Customer.objects.in_bulk({order.customer_id for order in orders})
    return {order.id: customers[order.customer_id] for order in orders}


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    result: dict[str, list[Order]] = {email: [] for email in emails}
    if not emails:
        return result
    for order in Order.objects.filter(customer__email__in=emails).select_related("customer").order_by("id"):
        result[order.customer.email].append(order)
    return result
