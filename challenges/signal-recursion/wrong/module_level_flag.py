# wrong: a module-level busy flag: while one thread is inside the handler, another thread's save is skipped
# max-percent: 92
"""A global "busy" flag (reset in finally) around a queryset update: right in one thread only."""

from decimal import ROUND_HALF_UP, Decimal

_busy = False


def update_total(sender, instance, created, **kwargs):
    global _busy
    if _busy:
        return
    _busy = True
    try:
        total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        sender.objects.filter(pk=instance.pk).update(total=total)
        instance.total = total
    finally:
        _busy = False
