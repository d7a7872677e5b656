# wrong: a guard attribute on the instance cleared only on success: after a failed write it is never updated again
# max-percent: 92
"""A per-instance guard without try/finally around a queryset update."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    if getattr(instance, "_updating_total", False):
        return
    instance._updating_total = True
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
    instance._updating_total = False
