# wrong: the counts are right but the authors come in id order, not by name
# max-percent: 35
from catalog.models import Author
from django.db.models import Count, Q


def authors_with_book_counts():
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Count("books", filter=Q(books__published=True)),
    ).order_by("id")
