# wrong: the seed's disconnect/save()/reconnect: the nested save still sends post_save (here it even recurses)
# max-percent: 10
"""Disconnect/reconnect around a nested save(): not thread-safe, still a second signal."""

from decimal import ROUND_HALF_UP, Decimal

from billing.models import Invoice
from django.db.models.signals import post_save


def update_total(sender, instance, created, **kwargs):
    post_save.disconnect(update_total, sender=Invoice)
    try:
        instance.total = (instance.subtotal * (1 + instance.tax_rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        instance.save(update_fields=["total"])
    finally:
        post_save.connect(update_total, sender=Invoice)
