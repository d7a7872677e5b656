# wrong: writes the total with a queryset update but never sets it on the instance
# max-percent: 40
"""Queryset update only: the row is right, the instance keeps its stale total."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sender.objects.filter(pk=instance.pk).update(total=total)
