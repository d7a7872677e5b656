# wrong: authors_with_books starts from a join on books, so authors without any book are missing
# max-percent: 80
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author").order_by("id")


def authors_with_books() -> QuerySet:
    return Author.objects.filter(books__isnull=False).distinct().prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related("tags").order_by("id")
