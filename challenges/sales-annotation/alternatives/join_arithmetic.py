# alternative: both tables joined, then the multiplication is undone: the sum is divided by the number of review rows
"""Keeps the double join and corrects for it.

With LEFT JOINs on lines and reviews, each line appears once per review row
(max(reviews, 1) times) and each review once per line row. So the raw SUM of
quantities is the true sum times max(R, 1), COUNT(DISTINCT review) is exact,
and AVG of ratings is exact (every rating is repeated equally often).
"""

from django.db.models import Avg, Count, F, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from sales.models import Product


def product_stats(category: str):
    return (
        Product.objects.filter(category=category)
        .annotate(
            review_count=Count("reviews", distinct=True),
            avg_rating=Avg("reviews__rating"),
            raw_sum=Coalesce(Sum("lines__quantity"), 0),
        )
        .annotate(total_sold=F("raw_sum") / Greatest(F("review_count"), Value(1)))
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
