# wrong: counts each author's books with .count() in a thread pool: 2 extra queries per author, on other connections
# max-percent: 30
from concurrent.futures import ThreadPoolExecutor

from catalog.models import Author
from django.db import connection

WORKERS = 4


def _count(authors: list[Author]) -> None:
    try:
        for author in authors:
            author.book_count = author.books.count()
            author.published_count = author.books.filter(published=True).count()
    finally:
        connection.close()  # this thread's own connection


def authors_with_book_counts():
    # "The counts run in parallel, off the request thread": still 2 queries per author.
    authors = list(Author.objects.order_by("name"))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(_count, [authors[i::WORKERS] for i in range(WORKERS)]))
    return authors
