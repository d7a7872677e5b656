# wrong: book_count is Count("*"), which counts the one LEFT JOIN row of an author without books as 1
# max-percent: 35
from catalog.models import Author
from django.db.models import Count, Q


def authors_with_book_counts():
    return Author.objects.annotate(
        book_count=Count("*"),
        published_count=Count("books", filter=Q(books__published=True)),
    ).order_by("name")
