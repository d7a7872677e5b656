"""Reference: each statistic is a correlated subquery, so no two one-to-many joins meet.

Annotating Sum("lines__quantity") and Count("reviews") together joins both
tables at once: every line is repeated once per review and every review once
per line, which inflates the sum and the count. A subquery aggregates one
table per product and returns a single value, so nothing multiplies.
"""

from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from sales.models import OrderLine, Product, Review


def _per_product(model, aggregate, output_field):
    """SELECT <aggregate> FROM <model> WHERE product_id = outer id, as a scalar subquery."""
    inner = (
        model.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")  # GROUP BY product_id: one row, the product's own
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(inner, output_field=output_field)


def product_stats(category: str) -> QuerySet:
    return (
        Product.objects.filter(category=category)
        .annotate(
            # No line (or no review) means no row in the subquery: NULL, hence Coalesce.
            total_sold=Coalesce(_per_product(OrderLine, Sum("quantity"), IntegerField()), 0),
            avg_rating=_per_product(Review, Avg("rating"), FloatField()),
            review_count=Coalesce(_per_product(Review, Count("id"), IntegerField()), 0),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int) -> QuerySet:
    # The filter applies to the finished annotation, so products without any
    # line take part with total_sold = 0.
    return product_stats(category).filter(total_sold__gt=min_total)
