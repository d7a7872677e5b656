# wrong: no order_by: SQLite happens to return products by id, PostgreSQL in the order they were stored
# max-percent: 90
from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from sales.models import OrderLine, Product, Review


def _per_product(model, aggregate, output_field):
    inner = (
        model.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(inner, output_field=output_field)


def product_stats(category: str):
    return Product.objects.filter(category=category).annotate(
        total_sold=Coalesce(_per_product(OrderLine, Sum("quantity"), IntegerField()), 0),
        avg_rating=_per_product(Review, Avg("rating"), FloatField()),
        review_count=Coalesce(_per_product(Review, Count("id"), IntegerField()), 0),
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
