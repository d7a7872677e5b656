"""signal-recursion: see prompt.md for the rules the grader checks."""

from __future__ import annotations

from billing.models import Invoice  # noqa: F401


def update_total(sender, instance, created, **kwargs):
    """post_save receiver (connected by the grader): set total = subtotal * (1 + tax_rate), rounded
    half-up to 2 places, in the database and on the instance, with exactly one extra UPDATE and no
    further post_save signal."""
    raise NotImplementedError
