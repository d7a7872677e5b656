"""Reference: a JOIN for the single-valued relation, one extra IN query for each multi-valued one."""

from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    # A book has one author: fetch it in the same SELECT with a JOIN.
    return Book.objects.select_related("author").order_by("id")


def authors_with_books() -> QuerySet:
    # An author has many books: a JOIN would repeat the author per book, so
    # Django fetches the books in a second query (author_id IN (...)) and
    # attaches them in Python.
    return Author.objects.prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    # Many-to-many: one query for the books, one for the tags joined to the link table.
    return Book.objects.prefetch_related("tags").order_by("id")
