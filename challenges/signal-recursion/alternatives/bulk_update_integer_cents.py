# alternative: integer arithmetic in millionths with a half-up carry, written with bulk_update([instance], ["total"])
"""signal-recursion: cents computed with integers; bulk_update runs one UPDATE and sends no signal."""

from __future__ import annotations

from decimal import Decimal


def _half_up_cents(subtotal: Decimal, tax_rate: Decimal) -> Decimal:
    cents = int(subtotal.scaleb(2))  # subtotal has at most 2 places
    basis_points = int(tax_rate.scaleb(4))  # tax_rate has at most 4 places
    millionths = cents * (10_000 + basis_points)  # the exact product, in units of 1e-6
    whole_cents, rest = divmod(millionths, 10_000)
    if rest >= 5_000:
        whole_cents += 1
    return Decimal(whole_cents).scaleb(-2)


def update_total(sender, instance, created, **kwargs):
    instance.total = _half_up_cents(Decimal(instance.subtotal), Decimal(instance.tax_rate))
    type(instance)._default_manager.bulk_update([instance], ["total"])
