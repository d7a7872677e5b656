# wrong: only() keeps the author but defers its name, so reading author.name queries once per book
# max-percent: 80
from django.db.models import QuerySet
from library.models import Author, Book


def books_with_authors() -> QuerySet:
    return Book.objects.select_related("author").only("id", "title", "author__id").order_by("id")


def authors_with_books() -> QuerySet:
    return Author.objects.prefetch_related("books").order_by("id")


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related("tags").order_by("id")
