# wrong: computes the total only when the invoice is created, so later changes keep the old total
# max-percent: 50
"""Handler that returns early unless created is True."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    if not created:
        return
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
