# wrong: published_count sums the flag cast to an integer, which is NULL (None) for an author without books
# max-percent: 35
from catalog.models import Author
from django.db.models import Count, IntegerField, Sum
from django.db.models.functions import Cast


def authors_with_book_counts():
    # Cast because PostgreSQL has no SUM(boolean); the LEFT JOIN row of an author without
    # books has a NULL flag, and SUM over nothing but NULL is NULL, not 0.
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Sum(Cast("books__published", IntegerField())),
    ).order_by("name")
