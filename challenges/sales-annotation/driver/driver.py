"""Driver for sales-annotation, run in the worker next to the submission.

Each scenario loads the plain fixture rows the test passes, calls the
submission, reads every product's fields and annotations (the reading is
counted with the call) and reports them as plain values with the SQL that ran,
inside a transaction that is rolled back. The tests hold the expected values.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup("sales")

from sales.models import OrderLine, Product, Review  # noqa: E402  (usable only after setup)

import solution  # noqa: E402

ANNOTATIONS = ("total_sold", "avg_rating", "review_count")


def _observe(call, products, lines, reviews) -> dict[str, Any]:
    with djangokit.scenario():
        djangokit.load(Product, list(products))
        djangokit.load(OrderLine, list(lines))
        djangokit.load(Review, list(reviews))
        rows, types, items_are_products = [], [], True
        with djangokit.capture_queries() as sql:
            for product in call():
                items_are_products = items_are_products and isinstance(product, Product)
                values = [getattr(product, name) for name in ANNOTATIONS]
                rows.append([product.id, product.name, product.category, *djangokit.plain(values)])
                types.append([type(value).__name__ for value in values])
        return {
            "rows": rows,
            "types": types,
            "items_are_products": items_are_products,
            "queries": len(sql),
            "sql": list(sql),
        }


def product_stats_scenario(products=(), lines=(), reviews=(), category="") -> dict[str, Any]:
    """Rows [id, name, category, total_sold, avg_rating, review_count] of product_stats(category),
    in iteration order; "types": the type names of the three annotations per row."""
    return _observe(lambda: solution.product_stats(category), products, lines, reviews)


def best_sellers_scenario(products=(), lines=(), reviews=(), category="", min_total=0) -> dict[str, Any]:
    """The same observation for best_sellers(category, min_total)."""
    return _observe(lambda: solution.best_sellers(category, min_total), products, lines, reviews)
