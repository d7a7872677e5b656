"""Driver for annotate-counts, run in the worker next to the submission.

The scenario loads the plain fixture rows the test passes, calls the
submission, reads every author's id, name and two counts (the reading is
counted with the call) and reports them as plain values with the SQL that ran,
inside a transaction that is rolled back. The tests hold the expected values.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup("catalog")

from catalog.models import Author, Book  # noqa: E402  (Django is usable only after setup)

import solution  # noqa: E402


def authors_with_book_counts_scenario(authors=(), books=()) -> dict[str, Any]:
    """Returns {"rows": [[id, name, book_count, published_count], ...] in iteration order,
    "types": [[type name of book_count, type name of published_count], ...],
    "items_are_authors": every item is an Author, "queries", "sql"}."""
    with djangokit.scenario():
        djangokit.load(Author, list(authors))
        djangokit.load(Book, list(books))
        rows, types, items_are_authors = [], [], True
        with djangokit.capture_queries() as sql:
            for author in solution.authors_with_book_counts():
                items_are_authors = items_are_authors and isinstance(author, Author)
                counts = [author.book_count, author.published_count]
                rows.append([author.id, author.name, *djangokit.plain(counts)])
                types.append([type(value).__name__ for value in counts])
        return {
            "rows": rows,
            "types": types,
            "items_are_authors": items_are_authors,
            "queries": len(sql),
            "sql": list(sql),
        }
