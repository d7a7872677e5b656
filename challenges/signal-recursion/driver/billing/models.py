"""Model of the signal-recursion challenge (the candidate imports it from `billing.models`)."""

from django.db import models


class Invoice(models.Model):
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=6, decimal_places=4)  # 0.2000 means 20 %
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
