"""Reference: two COUNTs over one LEFT JOIN, the second one filtered; GROUP BY the author."""

from catalog.models import Author
from django.db.models import Count, Q, QuerySet


def authors_with_book_counts() -> QuerySet:
    # Both counts read the same join, so neither multiplies the other; COUNT of
    # the joined book id is 0 (not NULL) for an author whose LEFT JOIN found no book.
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Count("books", filter=Q(books__published=True)),
    ).order_by("name")
