# wrong: never orders the querysets; SQLite happens to return id order, but nothing guarantees it
# max-percent: 95
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books")


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related("tags")
