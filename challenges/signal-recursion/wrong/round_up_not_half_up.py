# wrong: reads "half-up" as ROUND_UP, so any fraction of a cent rounds up (1.001 -> 1.01)
# max-percent: 85
"""ROUND_UP instead of ROUND_HALF_UP."""

from decimal import ROUND_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_UP)
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
