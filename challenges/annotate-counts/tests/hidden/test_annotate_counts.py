"""Hidden suite for annotate-counts, on the grader's PostgreSQL server.

The rows are loaded here, as the database's owner; the driver only calls the submission in the
worker, iterates over the result and reads every author; the statements are those the server
logged for this test's role while the call and the reading ran (nothing in the worker counts
them). The expected rows are computed here, from the same fixture rows.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- oracle


def expected_rows(authors, books):
    rows = []
    for author in sorted(authors, key=lambda a: a["name"]):
        own = [b for b in books if b["author_id"] == author["id"]]
        rows.append([author["id"], author["name"], len(own), sum(1 for b in own if b["published"])])
    return rows


def run(database, driver, authors=(), books=()):
    """Load the rows, call the submission and read its result, count what its role sent.

    The load runs inside the observed window (the owner's statements are not counted): whatever
    the worker's role sends once the rows exist, from any thread of the submission's, counts, so
    nothing can read the new rows ahead of the call and answer from a cache for free."""
    with database.observe() as seen:
        database.load({"catalog_author": list(authors), "catalog_book": list(books)})
        obs = driver.authors_with_book_counts()
    return {**obs, "queries": seen.queries, "sql": seen.sql}


def check(obs, authors, books):
    assert obs["rows"] == expected_rows(authors, books)
    assert all(types == ["int", "int"] for types in obs["types"]), obs["types"]
    assert obs["items_are_authors"] is True
    assert obs["queries"] == 1, obs["sql"][:5]


def books_of(spec):
    """[(author_id, published), ...] -> book rows with spread-out ids."""
    return [{"id": 1000 - 7 * i, "author_id": a, "published": p} for i, (a, p) in enumerate(spec)]


# ---------------------------------------------------------------- examples

AUTHORS = [{"id": 1, "name": "Le Guin"}, {"id": 2, "name": "Banks"}, {"id": 3, "name": "Adams"}]
BOOKS = books_of([(1, True), (1, True), (1, False), (2, False)])


@pytest.mark.weight(2)
def test_prompt_example(database, driver):
    obs = run(database, driver, authors=AUTHORS, books=BOOKS)
    assert obs["rows"] == [[3, "Adams", 0, 0], [2, "Banks", 1, 0], [1, "Le Guin", 3, 2]]
    assert obs["queries"] == 1, obs["sql"]


@pytest.mark.weight(2)
def test_author_without_books_has_two_int_zeros(database, driver):
    obs = run(database, driver, authors=[{"id": 9, "name": "Nobody"}], books=[])
    assert obs["rows"] == [[9, "Nobody", 0, 0]]
    assert obs["types"] == [["int", "int"]]
    assert obs["queries"] == 1, obs["sql"]


def test_unpublished_books_only_give_a_zero_published_count(database, driver):
    authors = [{"id": 4, "name": "Drafty"}]
    obs = run(database, driver, authors=authors, books=books_of([(4, False), (4, False)]))
    assert obs["rows"] == [[4, "Drafty", 2, 0]]
    assert obs["types"] == [["int", "int"]]


def test_counts_are_ints_not_booleans(database, driver):
    authors = [{"id": 1, "name": "One"}, {"id": 2, "name": "Two"}]
    books = books_of([(1, True), (2, True), (2, False)])
    obs = run(database, driver, authors=authors, books=books)
    assert obs["rows"] == [[1, "One", 1, 1], [2, "Two", 2, 1]]
    assert obs["types"] == [["int", "int"], ["int", "int"]]


def test_every_count_is_independent_of_the_other(database, driver):
    # Several books and several published books per author: a second join would multiply.
    authors = [{"id": 1, "name": "Many"}, {"id": 2, "name": "Few"}]
    books = books_of([(1, True)] * 3 + [(1, False)] * 4 + [(2, True)] * 2)
    obs = run(database, driver, authors=authors, books=books)
    assert obs["rows"] == [[2, "Few", 2, 2], [1, "Many", 7, 3]]
    assert obs["queries"] == 1, obs["sql"]


def test_ordered_by_name_in_code_point_order(database, driver):
    names = ["anna", "Zed", "Émile", "bob", "Anna", "", "zed"]
    authors = [{"id": 10 + i, "name": name} for i, name in enumerate(names)]
    obs = run(database, driver, authors=authors, books=[])
    assert [row[1] for row in obs["rows"]] == sorted(names)


def test_name_order_is_not_id_order(database, driver):
    authors = [{"id": 1, "name": "c"}, {"id": 2, "name": "a"}, {"id": 3, "name": "b"}]
    obs = run(database, driver, authors=authors, books=books_of([(3, True)]))
    assert obs["rows"] == [[2, "a", 0, 0], [3, "b", 1, 1], [1, "c", 0, 0]]


def test_no_authors_at_all(database, driver):
    obs = run(database, driver, authors=[], books=[])
    assert obs["rows"] == []
    assert obs["queries"] == 1, obs["sql"]


def test_one_author_one_book(database, driver):
    authors = [{"id": 5, "name": "Solo"}]
    obs = run(database, driver, authors=authors, books=books_of([(5, True)]))
    check(obs, authors, books_of([(5, True)]))


@pytest.mark.weight(3)
def test_five_hundred_authors_and_books_in_one_query(database, driver):
    authors = [{"id": 3 + 5 * i, "name": f"author-{(i * 7919) % 1000:04d}"} for i in range(500)]
    books = [
        {"id": 10_000 - 3 * i, "author_id": authors[(i * i) % 250]["id"], "published": i % 3 == 0} for i in range(500)
    ]
    obs = run(database, driver, authors=authors, books=books)
    check(obs, authors, books)


# ---------------------------------------------------------------- property

names = st.text(alphabet=st.sampled_from("aAbBzZ é-É1"), max_size=5)


@st.composite
def catalog_data(draw):
    author_names = draw(st.lists(names, unique=True, max_size=7))
    ids = draw(st.lists(st.integers(1, 10_000), unique=True, min_size=len(author_names), max_size=len(author_names)))
    authors = [{"id": i, "name": n} for i, n in zip(ids, author_names, strict=True)]
    books = []
    if authors:
        for book_id in draw(st.lists(st.integers(1, 10_000), unique=True, max_size=15)):
            books.append({"id": book_id, "author_id": draw(st.sampled_from(ids)), "published": draw(st.booleans())})
    return authors, books


@pytest.mark.weight(4)
@settings(max_examples=80)
@given(data=catalog_data())
def test_any_data_matches_the_model(database, driver, data):
    authors, books = data
    obs = run(database, driver, authors=authors, books=books)
    check(obs, authors, books)
