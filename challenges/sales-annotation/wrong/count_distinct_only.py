# wrong: fixes the review count with distinct=True but leaves the quantity sum multiplied by the reviews
# max-percent: 40
from django.db.models import Avg, Count, Sum
from django.db.models.functions import Coalesce
from sales.models import Product


def product_stats(category: str):
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=Coalesce(Sum("lines__quantity"), 0),
            avg_rating=Avg("reviews__rating"),
            review_count=Count("reviews", distinct=True),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
