# wrong: orders authors by name and books by title instead of by id
# max-percent: 40
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author").order_by("title", "id")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books").order_by("name", "id")


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related("tags").order_by("title", "id")
