# wrong: books_with_authors forgets select_related, so every book.author costs one more query
# max-percent: 80
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.order_by("id")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related("tags").order_by("id")
