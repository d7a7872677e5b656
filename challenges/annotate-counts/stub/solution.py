"""annotate-counts: see prompt.md for the rules the grader checks."""

from catalog.models import Author, Book  # noqa: F401


def authors_with_book_counts():
    """Every Author ordered by name, with int attributes book_count and published_count, in 1 query."""
    raise NotImplementedError
