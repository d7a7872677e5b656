# wrong: quantize() without a rounding mode uses ROUND_HALF_EVEN, so 1.005 becomes 1.00 and 11.025 becomes 11.02
# max-percent: 85
"""Decimal's default (banker's) rounding."""

from decimal import Decimal


def update_total(sender, instance, created, **kwargs):
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"))
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
