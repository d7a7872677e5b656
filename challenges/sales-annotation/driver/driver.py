"""Driver for sales-annotation, run in the worker next to the submission.

Two ways in. `product_stats()` and `best_sellers()` only call the submission's function and read
every product it returns the way the prompt says (rows as lists, the type names of the three
annotations): the hidden tests load the data and count the statements from outside the worker, on
the grader's PostgreSQL server. The `*_scenario` functions load the fixture rows themselves and
count the SQL in this process, inside a rolled-back transaction: the visible examples use them, in
the grader and in the candidate's hand-out alike. The tests hold the expected values, not this file.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup("sales")

import solution  # noqa: E402
from sales.models import OrderLine, Product, Review  # noqa: E402  (usable only after setup)

ANNOTATIONS = ("total_sold", "avg_rating", "review_count")


def _read(call) -> dict[str, Any]:
    """Call the submission, iterate once and read id, name, category and the three annotations."""
    rows, types, items_are_products = [], [], True
    for product in call():
        items_are_products = items_are_products and isinstance(product, Product)
        values = [getattr(product, name) for name in ANNOTATIONS]
        rows.append([product.id, product.name, product.category, *djangokit.plain(values)])
        types.append([type(value).__name__ for value in values])
    return {"rows": rows, "types": types, "items_are_products": items_are_products}


def product_stats(category: str) -> dict[str, Any]:
    """Rows [id, name, category, total_sold, avg_rating, review_count] of product_stats(category),
    in iteration order; "types": the type names of the three annotations per row."""
    return _read(lambda: solution.product_stats(category))


def best_sellers(category: str, min_total: int) -> dict[str, Any]:
    """The same reading of best_sellers(category, min_total)."""
    return _read(lambda: solution.best_sellers(category, min_total))


def _observe(call, products, lines, reviews) -> dict[str, Any]:
    with djangokit.scenario():
        djangokit.load(Product, list(products))
        djangokit.load(OrderLine, list(lines))
        djangokit.load(Review, list(reviews))
        with djangokit.capture_queries() as sql:
            seen = _read(call)
        return {**seen, "queries": len(sql), "sql": list(sql)}


def product_stats_scenario(products=(), lines=(), reviews=(), category="") -> dict[str, Any]:
    """Load the rows, then product_stats(category) read as above, with the SQL counted here."""
    return _observe(lambda: solution.product_stats(category), products, lines, reviews)


def best_sellers_scenario(products=(), lines=(), reviews=(), category="", min_total=0) -> dict[str, Any]:
    """Load the rows, then best_sellers(category, min_total) read as above, with the SQL counted here."""
    return _observe(lambda: solution.best_sellers(category, min_total), products, lines, reviews)
