# wrong: rounds avg_rating to 2 decimals in SQL (ROUND(AVG(rating)::numeric, 2)), so 13/3 comes back as 4.33
# max-percent: 85
from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce, Round
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
            total_sold=Coalesce(_per_product(OrderLine, Sum("quantity"), IntegerField()), 0),
            avg_rating=Round(_per_product(Review, Avg("rating"), FloatField()), 2),
            review_count=Coalesce(_per_product(Review, Count("id"), IntegerField()), 0),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
