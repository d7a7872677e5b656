"""The prompt's example, through the challenge's driver."""

AUTHORS = [{"id": 1, "name": "Le Guin"}, {"id": 2, "name": "Banks"}, {"id": 3, "name": "Adams"}]
BOOKS = [
    {"id": 1, "author_id": 1, "published": True},
    {"id": 2, "author_id": 1, "published": True},
    {"id": 3, "author_id": 1, "published": False},
    {"id": 4, "author_id": 2, "published": False},
]


def test_prompt_example(driver):
    obs = driver.authors_with_book_counts_scenario(authors=AUTHORS, books=BOOKS)
    assert obs["rows"] == [[3, "Adams", 0, 0], [2, "Banks", 1, 0], [1, "Le Guin", 3, 2]]
    assert obs["queries"] == 1, obs["sql"]


def test_counts_are_ints(driver):
    obs = driver.authors_with_book_counts_scenario(authors=AUTHORS, books=BOOKS)
    assert obs["types"] == [["int", "int"]] * 3
