# wrong: a guard on update_fields around its own save(update_fields=["total"]), which sends a second post_save
# max-percent: 45
"""Recursion guard on update_fields around a nested save()."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, update_fields=None, **kwargs):
    if update_fields is not None and set(update_fields) == {"total"}:
        return
    instance.total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    instance.save(update_fields=["total"])
