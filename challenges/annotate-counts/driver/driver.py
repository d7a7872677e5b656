"""Driver for annotate-counts, run in the worker next to the submission.

Two ways in. `authors_with_book_counts()` only calls the submission, iterates over the result
once and reads every author's id, name and two counts into plain values: the hidden tests load
the data and count the statements from outside the worker, on the grader's PostgreSQL server
(the reading happens inside the window they observe, as the prompt says). The `*_scenario`
function loads the fixture rows itself and counts the SQL in this process, inside a rolled-back
transaction: the visible examples use it, in the grader and in the candidate's hand-out alike.
The tests hold the expected values.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup("catalog")

import solution  # noqa: E402
from catalog.models import Author, Book  # noqa: E402  (Django is usable only after setup)


def _read(result: Any) -> dict[str, Any]:
    """{"rows": [[id, name, book_count, published_count], ...] in iteration order,
    "types": [[type name of book_count, type name of published_count], ...],
    "items_are_authors": every item is an Author}."""
    rows, types, items_are_authors = [], [], True
    for author in result:
        items_are_authors = items_are_authors and isinstance(author, Author)
        counts = [author.book_count, author.published_count]
        rows.append([author.id, author.name, *djangokit.plain(counts)])
        types.append([type(value).__name__ for value in counts])
    return {"rows": rows, "types": types, "items_are_authors": items_are_authors}


def authors_with_book_counts() -> dict[str, Any]:
    """Call the submission and read its result (see `_read`); the hidden tests' way in."""
    return _read(solution.authors_with_book_counts())


def authors_with_book_counts_scenario(authors=(), books=()) -> dict[str, Any]:
    """Load the rows, then as `authors_with_book_counts()`, plus the "queries" and "sql" run."""
    with djangokit.scenario():
        djangokit.load(Author, list(authors))
        djangokit.load(Book, list(books))
        with djangokit.capture_queries() as sql:
            seen = _read(solution.authors_with_book_counts())
        return {**seen, "queries": len(sql), "sql": list(sql)}
