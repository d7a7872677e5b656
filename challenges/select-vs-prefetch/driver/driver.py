"""Driver for select-vs-prefetch, run in the worker next to the submission.

Two ways in. `books_with_authors()` and its siblings only call the submission's function and
read the result the way the prompt says (rows as lists): the hidden tests load the data and count
the statements from outside the worker, on the grader's PostgreSQL server. The `*_scenario`
functions load the fixture rows themselves and count the SQL in this process, inside a rolled-back
transaction: the visible examples use them, in the grader and in the candidate's hand-out alike.
The hidden tests hold the expected values, not this file.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup("library")

from django.db.models import QuerySet  # noqa: E402  (Django is usable only after setup)
from library.models import Author, Book, Tag  # noqa: E402

import solution  # noqa: E402


def _load(authors: list[dict], tags: list[dict], books: list[dict]) -> None:
    djangokit.load(Author, authors)
    djangokit.load(Tag, tags)
    djangokit.load(Book, [{k: v for k, v in book.items() if k != "tag_ids"} for book in books])
    links = [{"book_id": b["id"], "tag_id": t} for b in books for t in b.get("tag_ids", ())]
    djangokit.load(Book.tags.through, links)


def _shape(result: Any) -> dict[str, Any]:
    """What kind of object the submission returned (read without running a query)."""
    is_queryset = isinstance(result, QuerySet)
    return {
        "is_queryset": is_queryset,
        "model": result.model.__name__ if is_queryset else None,
        "ordered": bool(result.ordered) if is_queryset else False,
    }


def _read(function_name: str, read) -> dict[str, Any]:
    result = getattr(solution, function_name)()
    rows = [read(item) for item in result]
    return {"rows": rows, **_shape(result)}


def _observe(function_name: str, read, authors, tags, books) -> dict[str, Any]:
    with djangokit.scenario():
        _load(list(authors), list(tags), list(books))
        with djangokit.capture_queries() as sql:
            seen = _read(function_name, read)
        return {**seen, "queries": len(sql), "sql": list(sql)}


def _book_author(b):
    return [b.id, b.title, b.author.name]


def _author_books(a):
    return [a.id, a.name, [[b.id, b.title] for b in a.books.all()]]


def _book_tags(b):
    return [b.id, b.title, [[t.id, t.name] for t in b.tags.all()]]


def books_with_authors() -> dict[str, Any]:
    """Rows [book.id, book.title, book.author.name] in iteration order, and the result's shape."""
    return _read("books_with_authors", _book_author)


def authors_with_books() -> dict[str, Any]:
    """Rows [author.id, author.name, [[book.id, book.title] for book in author.books.all()]]."""
    return _read("authors_with_books", _author_books)


def books_with_tags() -> dict[str, Any]:
    """Rows [book.id, book.title, [[tag.id, tag.name] for tag in book.tags.all()]]."""
    return _read("books_with_tags", _book_tags)


def books_with_authors_scenario(authors=(), tags=(), books=()) -> dict[str, Any]:
    """Rows [book.id, book.title, book.author.name] in iteration order."""
    return _observe("books_with_authors", _book_author, authors, tags, books)


def authors_with_books_scenario(authors=(), tags=(), books=()) -> dict[str, Any]:
    """Rows [author.id, author.name, [[book.id, book.title] for book in author.books.all()]]."""
    return _observe("authors_with_books", _author_books, authors, tags, books)


def books_with_tags_scenario(authors=(), tags=(), books=()) -> dict[str, Any]:
    """Rows [book.id, book.title, [[tag.id, tag.name] for tag in book.tags.all()]]."""
    return _observe("books_with_tags", _book_tags, authors, tags, books)
