# wrong: avg_rating is Sum / Count in integer arithmetic (bigint / bigint truncates on PostgreSQL): 4.5 gives 4
# max-percent: 40
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, NullIf
from sales.models import OrderLine, Product, Review


def _per_product(model, aggregate):
    inner = (
        model.objects.filter(product=OuterRef("pk"))
        .order_by()
        .values("product")
        .annotate(value=aggregate)
        .values("value")
    )
    return Subquery(inner, output_field=IntegerField())


def product_stats(category: str):
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=Coalesce(_per_product(OrderLine, Sum("quantity")), 0),
            rating_sum=_per_product(Review, Sum("rating")),
            review_count=Coalesce(_per_product(Review, Count("id")), 0),
        )
        .annotate(avg_rating=F("rating_sum") / NullIf(F("review_count"), 0))
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
