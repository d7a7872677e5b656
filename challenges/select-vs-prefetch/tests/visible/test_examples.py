"""The prompt's example, through the challenge's driver."""

AUTHORS = [{"id": 1, "name": "Le Guin"}, {"id": 2, "name": "Pratchett"}]
TAGS = [{"id": 7, "name": "fantasy"}, {"id": 8, "name": "satire"}]
BOOKS = [
    {"id": 10, "title": "Mort", "author_id": 2, "tag_ids": [7, 8]},
    {"id": 11, "title": "Earthsea", "author_id": 1, "tag_ids": [7]},
    {"id": 12, "title": "Eric", "author_id": 2, "tag_ids": []},
]
DATA = {"authors": AUTHORS, "tags": TAGS, "books": BOOKS}


def inner_sorted(rows):
    return [[row[0], row[1], sorted(row[2])] for row in rows]


def test_books_with_authors(driver):
    obs = driver.books_with_authors_scenario(**DATA)
    assert obs["rows"] == [[10, "Mort", "Pratchett"], [11, "Earthsea", "Le Guin"], [12, "Eric", "Pratchett"]]
    assert obs["queries"] == 1, obs["sql"]


def test_authors_with_books(driver):
    obs = driver.authors_with_books_scenario(**DATA)
    assert inner_sorted(obs["rows"]) == [
        [1, "Le Guin", [[11, "Earthsea"]]],
        [2, "Pratchett", [[10, "Mort"], [12, "Eric"]]],
    ]
    assert obs["queries"] == 2, obs["sql"]


def test_books_with_tags(driver):
    obs = driver.books_with_tags_scenario(**DATA)
    assert inner_sorted(obs["rows"]) == [
        [10, "Mort", [[7, "fantasy"], [8, "satire"]]],
        [11, "Earthsea", [[7, "fantasy"]]],
        [12, "Eric", []],
    ]
    assert obs["queries"] == 2, obs["sql"]
