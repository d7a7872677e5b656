# wrong: the database computes and rounds the total, then refresh_from_db(): one SELECT more than allowed
# max-percent: 60
"""F() expressions with the Round() database function, then a refresh of the instance.

On PostgreSQL the numeric product and ROUND() are exact and round half away from zero, so the
totals are right (SQLite computed them in floating point): the extra SELECT is what is wrong."""

from django.db.models import DecimalField, ExpressionWrapper, F
from django.db.models.functions import Round


def update_total(sender, instance, created, **kwargs):
    product = ExpressionWrapper(F("subtotal") * (1 + F("tax_rate")), output_field=DecimalField())
    sender.objects.filter(pk=instance.pk).update(total=Round(product, 2))
    instance.refresh_from_db(fields=["total"])
