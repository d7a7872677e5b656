"""signal-recursion: reference solution.

The handler never calls save() again: it writes the total with a queryset
update(), which sends no signal and runs exactly one UPDATE, and copies the same
value onto the instance. Nothing is shared between calls, so there is no flag to
leave set and nothing for two threads to race on.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def compute_total(subtotal: Decimal, tax_rate: Decimal) -> Decimal:
    """subtotal * (1 + tax_rate), rounded half-up to cents (Decimal arithmetic, never float)."""
    return (Decimal(subtotal) * (1 + Decimal(tax_rate))).quantize(CENT, rounding=ROUND_HALF_UP)


def update_total(sender, instance, created, **kwargs):
    """post_save receiver for Invoice: store the total in the row and on the instance."""
    total = compute_total(instance.subtotal, instance.tax_rate)
    sender._base_manager.filter(pk=instance.pk).update(total=total)
    instance.total = total
