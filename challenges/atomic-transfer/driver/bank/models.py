"""Models of the atomic-transfer challenge (the candidate imports them from `bank.models`)."""

from django.db import models


class Account(models.Model):
    owner = models.CharField(max_length=100)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=0)

    class Meta:
        constraints = [  # noqa: RUF012 (Django reads Meta as it is)
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="account_balance_non_negative"),
        ]


class AuditEntry(models.Model):
    """One audited transfer. Written by `bank.audit.record` alone, never by the candidate's code."""

    from_id = models.BigIntegerField()
    to_id = models.BigIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
