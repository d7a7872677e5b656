"""sales-annotation: see prompt.md for the rules the grader checks."""

from sales.models import OrderLine, Product, Review  # noqa: F401


def product_stats(category: str):
    """Products of `category` ordered by id, annotated total_sold, avg_rating, review_count (1 query)."""
    raise NotImplementedError


def best_sellers(category: str, min_total: int):
    """The rows of product_stats(category) whose total_sold > min_total (1 query)."""
    raise NotImplementedError
