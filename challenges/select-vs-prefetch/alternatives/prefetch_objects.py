# alternative: Prefetch objects with explicit querysets, ordering by pk and F("id"), select_related via all()
"""Explicit Prefetch objects and other spellings of the ordering."""

from django.db.models import F, Prefetch, QuerySet
from library.models import Author, Book, Tag


def books_with_authors() -> QuerySet:
    return Book.objects.all().order_by("pk").select_related("author")


def authors_with_books() -> QuerySet:
    books = Book.objects.order_by("-id")  # inner order is free; the fields read must be loaded
    return Author.objects.order_by(F("id").asc()).prefetch_related(Prefetch("books", queryset=books))


def books_with_tags() -> QuerySet:
    return Book.objects.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name"))).order_by("id")
