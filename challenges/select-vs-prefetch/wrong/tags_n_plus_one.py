# wrong: books_with_tags uses select_related on the author, which does nothing for the tags (N+1)
# max-percent: 80
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author").order_by("id")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    return Book.objects.select_related("author").order_by("id")
