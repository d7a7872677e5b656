# wrong: a per-thread guard (reset in finally) around save(update_fields=["total"]): same SQL, a second post_save
# max-percent: 30
"""A thread-local re-entry guard around a nested save(): safe across threads and errors, but the
nested save sends post_save again (its UPDATE looks exactly like a queryset update's)."""

import threading
from decimal import ROUND_HALF_UP, Decimal

_guard = threading.local()


def update_total(sender, instance, created, **kwargs):
    if getattr(_guard, "busy", False):
        return
    _guard.busy = True
    try:
        instance.total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        instance.save(update_fields=["total"])
    finally:
        _guard.busy = False
