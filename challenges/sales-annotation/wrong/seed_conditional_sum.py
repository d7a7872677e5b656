# wrong: best_sellers uses the seed's Sum(..., filter=Q(category=...)) over all products: zero-sold products drop out
# max-percent: 90
from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Q, Subquery, Sum
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


def _stats(queryset):
    return queryset.annotate(
        avg_rating=_per_product(Review, Avg("rating"), FloatField()),
        review_count=Coalesce(_per_product(Review, Count("id"), IntegerField()), 0),
    )


def product_stats(category: str):
    return _stats(
        Product.objects.filter(category=category).annotate(
            total_sold=Coalesce(_per_product(OrderLine, Sum("quantity"), IntegerField()), 0)
        )
    ).order_by("id")


def best_sellers(category: str, min_total: int):
    ranked = Product.objects.annotate(total_sold=Sum("lines__quantity", filter=Q(category=category))).filter(
        total_sold__gt=min_total
    )
    return _stats(ranked).order_by("id")
