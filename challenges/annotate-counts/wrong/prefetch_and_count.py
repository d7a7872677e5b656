# wrong: the seed's prefetch_related answer: counts in Python from prefetched books, 2 queries instead of 1
# max-percent: 30
from catalog.models import Author


def authors_with_book_counts():
    authors = list(Author.objects.prefetch_related("books").order_by("name"))
    for author in authors:
        books = author.books.all()
        author.book_count = len(books)
        author.published_count = sum(1 for book in books if book.published)
    return authors
