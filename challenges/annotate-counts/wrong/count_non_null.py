# wrong: Count("books__published") counts every book with a non-NULL flag, i.e. all of them
# max-percent: 35
from catalog.models import Author
from django.db.models import Count


def authors_with_book_counts():
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Count("books__published"),
    ).order_by("name")
