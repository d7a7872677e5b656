# wrong: filters on published books before counting: both counts are the published count, authors without one vanish
# max-percent: 15
from catalog.models import Author
from django.db.models import Count


def authors_with_book_counts():
    return (
        Author.objects.filter(books__published=True)
        .annotate(book_count=Count("books"), published_count=Count("books"))
        .order_by("name")
    )
