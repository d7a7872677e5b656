# wrong: subqueries without Coalesce: total_sold and review_count are None for a product without rows
# max-percent: 55
from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Subquery, Sum
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
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=_per_product(OrderLine, Sum("quantity"), IntegerField()),
            avg_rating=_per_product(Review, Avg("rating"), FloatField()),
            review_count=_per_product(Review, Count("id"), IntegerField()),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
