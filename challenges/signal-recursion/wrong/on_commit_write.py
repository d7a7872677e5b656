# wrong: writes the total in transaction.on_commit(): inside the caller's atomic() the row has no total until COMMIT
# max-percent: 92
"""The write deferred to on_commit (it runs at once in autocommit mode, after the COMMIT otherwise)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction


def update_total(sender, instance, created, using="default", **kwargs):
    total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    instance.total = total
    pk = instance.pk
    transaction.on_commit(lambda: sender.objects.filter(pk=pk).update(total=total), using=using)
