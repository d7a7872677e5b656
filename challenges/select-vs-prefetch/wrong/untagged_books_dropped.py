# wrong: books_with_tags joins the tags to filter, so untagged books vanish and tagged ones repeat
# max-percent: 75
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author").order_by("id")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    return Book.objects.filter(tags__isnull=False).prefetch_related("tags").order_by("id")
