# wrong: the seed's flag on the instance + save(update_fields=...): a second post_save, flag stuck after errors
# max-percent: 45
"""The seed's answer adapted to Invoice: a guard attribute on the instance around a nested save()."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    if hasattr(instance, "_computing_total"):
        return
    instance._computing_total = True
    instance.total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    instance.save(update_fields=["total"])
    del instance._computing_total
