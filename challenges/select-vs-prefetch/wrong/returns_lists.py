# wrong: evaluates the querysets and returns plain lists instead of QuerySets
# max-percent: 90
from library.models import Author, Book


def books_with_authors():
    return list(Book.objects.select_related("author").order_by("id"))


def authors_with_books():
    return list(Author.objects.prefetch_related("books").order_by("id"))


def books_with_tags():
    return list(Book.objects.prefetch_related("tags").order_by("id"))
