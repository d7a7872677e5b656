# alternative: round() under a local ROUND_HALF_UP context and one raw UPDATE through the connection's cursor
"""signal-recursion: raw SQL on the right connection; round() follows the active decimal context."""

from __future__ import annotations

import decimal

from django.db import connections


def update_total(sender, instance, created, using="default", **kwargs):
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        total = round(decimal.Decimal(instance.subtotal) * (decimal.Decimal(1) + instance.tax_rate), 2)
    connection = connections[using]
    meta = instance._meta
    quote = connection.ops.quote_name
    statement = "UPDATE {} SET {} = %s WHERE {} = %s".format(
        quote(meta.db_table), quote(meta.get_field("total").column), quote(meta.pk.column)
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [str(total), instance.pk])
    instance.total = total
