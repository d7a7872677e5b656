# wrong: a filter between two annotate() calls adds a second join, multiplying book_count and dropping authors
# max-percent: 15
from catalog.models import Author
from django.db.models import Count


def authors_with_book_counts():
    return (
        Author.objects.annotate(book_count=Count("books"))
        .filter(books__published=True)
        .annotate(published_count=Count("books"))
        .order_by("name")
    )
