# wrong: published_count says whether the author has a published book (a bool), not how many
# max-percent: 20
from catalog.models import Author, Book
from django.db.models import Count, Exists, OuterRef


def authors_with_book_counts():
    published = Book.objects.filter(author=OuterRef("pk"), published=True)
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Exists(published),
    ).order_by("name")
