# wrong: orders by the lower-cased name, so "apple" comes before "Banana" (the rule is the plain name order)
# max-percent: 75
from catalog.models import Author
from django.db.models import Count, Q
from django.db.models.functions import Lower


def authors_with_book_counts():
    return Author.objects.annotate(
        book_count=Count("books"),
        published_count=Count("books", filter=Q(books__published=True)),
    ).order_by(Lower("name"))
