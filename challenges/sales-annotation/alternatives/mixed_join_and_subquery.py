# alternative: reviews aggregated over the join (Avg is immune, Count uses distinct), the quantity sum as a subquery
"""Only the sum needs protecting: a join repeats every rating equally often."""

from django.db.models import Avg, Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from sales.models import OrderLine, Product


def product_stats(category: str):
    sold = (
        OrderLine.objects.filter(product_id=OuterRef("id"))
        .values("product_id")
        .annotate(total=Sum("quantity"))
        .values("total")[:1]
    )
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=Coalesce(Subquery(sold), 0),
            avg_rating=Avg("reviews__rating"),
            review_count=Count("reviews", distinct=True),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
