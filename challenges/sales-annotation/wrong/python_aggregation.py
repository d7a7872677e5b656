# wrong: prefetches lines and reviews and aggregates in Python: right numbers, 3 queries
# max-percent: 35
from sales.models import Product


def product_stats(category: str):
    products = list(Product.objects.filter(category=category).prefetch_related("lines", "reviews").order_by("id"))
    for product in products:
        ratings = [review.rating for review in product.reviews.all()]
        product.total_sold = sum(line.quantity for line in product.lines.all())
        product.review_count = len(ratings)
        product.avg_rating = sum(ratings) / len(ratings) if ratings else None
    return products


def best_sellers(category: str, min_total: int):
    return [product for product in product_stats(category) if product.total_sold > min_total]
