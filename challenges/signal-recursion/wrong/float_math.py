# wrong: computes with float and round(), so binary representation errors decide the ties (1.005 -> 1.0)
# max-percent: 85
"""Float arithmetic converted back to Decimal at the end."""

from decimal import Decimal


def update_total(sender, instance, created, **kwargs):
    total = Decimal(str(round(float(instance.subtotal) * (1 + float(instance.tax_rate)), 2)))
    sender.objects.filter(pk=instance.pk).update(total=total)
    instance.total = total
