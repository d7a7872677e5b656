"""select-vs-prefetch: see prompt.md for the rules the grader checks."""

from django.db.models import QuerySet
from library.models import Author, Book, Tag  # noqa: F401


def books_with_authors() -> QuerySet:
    """Every Book, ordered by id; reading book.author.name for all of them takes 1 query in total."""
    raise NotImplementedError


def authors_with_books() -> QuerySet:
    """Every Author, ordered by id; reading every author.books.all() takes 2 queries in total."""
    raise NotImplementedError


def books_with_tags() -> QuerySet:
    """Every Book, ordered by id; reading every book.tags.all() takes 2 queries in total."""
    raise NotImplementedError
