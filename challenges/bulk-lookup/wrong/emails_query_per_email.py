# wrong: orders_by_email runs one iexact query per email
# max-percent: 65

from shop.models import Customer, Order


def customers_for(orders: list[Order]) -> dict[int, Customer]:
    customers = Customer.objects.in_bulk({order.customer_id for order in orders})
    return {order.id: customers[order.customer_id] for order in orders}


def orders_by_email(emails: list[str]) -> dict[str, list[Order]]:
    return {email: list(Order.objects.filter(customer__email__iexact=email).order_by("id")) for email in emails}
