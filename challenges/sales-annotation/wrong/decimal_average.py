# wrong: keeps PostgreSQL's numeric AVG as a DecimalField(3, 2): avg_rating is a Decimal, rounded to 2 places
# max-percent: 50
from django.db.models import Avg, Count, DecimalField, IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
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
    rating = DecimalField(max_digits=3, decimal_places=2)
    return (
        Product.objects.filter(category=category)
        .annotate(
            total_sold=Coalesce(_per_product(OrderLine, Sum("quantity"), IntegerField()), 0),
            avg_rating=Cast(_per_product(Review, Avg("rating"), rating), rating),
            review_count=Coalesce(_per_product(Review, Count("id"), IntegerField()), 0),
        )
        .order_by("id")
    )


def best_sellers(category: str, min_total: int):
    return product_stats(category).filter(total_sold__gt=min_total)
