# wrong: locks the row with select_for_update(): a no-op on SQLite, an error outside atomic() on PostgreSQL
# max-percent: 10
"""Re-reads the row with select_for_update() before writing: SQLite ignores it, PostgreSQL raises
TransactionManagementError outside a transaction, and inside one it is an extra SELECT."""

from decimal import ROUND_HALF_UP, Decimal


def update_total(sender, instance, created, **kwargs):
    row = sender.objects.select_for_update().get(pk=instance.pk)
    total = (row.subtotal * (1 + row.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
