# alternative: one correlated COUNT subquery per number instead of a join and GROUP BY
"""Each count is a scalar subquery; no GROUP BY on the outer query."""

from catalog.models import Author, Book
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce


def _count(books) -> Coalesce:
    counted = books.filter(author=OuterRef("pk")).order_by().values("author").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def authors_with_book_counts() -> QuerySet:
    return Author.objects.annotate(
        book_count=_count(Book.objects.all()),
        published_count=_count(Book.objects.filter(published=True)),
    ).order_by("name")
