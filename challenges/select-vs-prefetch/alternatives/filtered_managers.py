# alternative: starts from filter()/only()-style querysets and selects only the columns the reads need
"""Narrower querysets that still load every field the reader touches."""

from django.db.models import Prefetch, QuerySet
from library.models import Author, Book, Tag


def books_with_authors() -> QuerySet:
    return (
        Book.objects.filter(id__isnull=False)
        .select_related("author")
        .only("id", "title", "author__id", "author__name")
        .order_by("id")
    )


def authors_with_books() -> QuerySet:
    # The prefetched books need author_id to be matched to their author.
    books = Book.objects.only("id", "title", "author_id")
    return Author.objects.prefetch_related(Prefetch("books", queryset=books)).order_by("id")


def books_with_tags() -> QuerySet:
    # select_related on top is harmless: the author comes with the book row.
    tags = Tag.objects.only("id", "name")
    return Book.objects.select_related("author").prefetch_related(Prefetch("tags", queryset=tags)).order_by("id")
