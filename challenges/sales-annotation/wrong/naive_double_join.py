# wrong: annotates Sum, Avg and Count over both joins at once: sums and counts are multiplied
# max-percent: 35
from django.db.models import Avg, Count, Sum
from django.db.models.functions import Coalesce
from sales.models import Product


def product_stats(category: str):
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=Coalesce(Sum("lines__quantity"), 0),
            avg_rating=Avg("reviews__rating"),
            review_count=Count("reviews"),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
