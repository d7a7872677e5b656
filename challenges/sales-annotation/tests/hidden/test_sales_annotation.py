"""Hidden suite for sales-annotation.

The driver loads the plain fixture rows given here, calls the submission in
the worker, reads every product and reports the rows with the SQL that ran.
The expected rows are computed here, from the same fixture rows.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- oracle


def expected_rows(data, category, min_total=None):
    rows = []
    for product in sorted(data["products"], key=lambda p: p["id"]):
        if product["category"] != category:
            continue
        sold = sum(line["quantity"] for line in data["lines"] if line["product_id"] == product["id"])
        ratings = [r["rating"] for r in data["reviews"] if r["product_id"] == product["id"]]
        if min_total is not None and not sold > min_total:
            continue
        average = sum(ratings) / len(ratings) if ratings else None
        rows.append([product["id"], product["name"], product["category"], sold, average, len(ratings)])
    return rows


def same_rows(actual, expected):
    """Equal, except that averages are compared with a relative tolerance."""
    if len(actual) != len(expected):
        return False
    for got, want in zip(actual, expected):
        if got[:4] != want[:4] or got[5] != want[5]:
            return False
        if want[4] is None or got[4] is None:
            if got[4] is not want[4]:
                return False
        elif not isinstance(got[4], float) or not math.isclose(got[4], want[4], rel_tol=1e-9):
            return False
    return True


def expected_types(rows):
    return [["int", "NoneType" if row[4] is None else "float", "int"] for row in rows]


def check(obs, data, category, min_total=None):
    expected = expected_rows(data, category, min_total)
    assert same_rows(obs["rows"], expected), (obs["rows"], expected)
    assert obs["types"] == expected_types(expected)
    assert obs["items_are_products"] is True
    assert obs["queries"] <= 1, obs["sql"][:5]


def dataset(products, lines, reviews):
    """products: [(id, name, category)], lines: [(product_id, quantity)], reviews: [(product_id, rating)]."""
    return {
        "products": [{"id": i, "name": n, "category": c} for i, n, c in products],
        "lines": [{"id": 500 + k, "product_id": p, "quantity": q} for k, (p, q) in enumerate(lines)],
        "reviews": [{"id": 100_000 - k, "product_id": p, "rating": r} for k, (p, r) in enumerate(reviews)],
    }


EXAMPLE = dataset(
    [(1, "Lamp", "home"), (2, "Desk", "home"), (3, "Mug", "kitchen"), (4, "Rug", "home")],
    [(1, 3), (1, 3), (1, 1), (2, 2), (3, 10)],
    [(1, 5), (1, 4), (2, 3), (2, 4), (4, 2)],
)


# ---------------------------------------------------------------- product_stats


@pytest.mark.weight(2)
def test_product_stats_example(driver):
    obs = driver.product_stats_scenario(**EXAMPLE, category="home")
    assert obs["rows"] == [
        [1, "Lamp", "home", 7, 4.5, 2],
        [2, "Desk", "home", 2, 3.5, 2],
        [4, "Rug", "home", 0, 2.0, 1],
    ]
    assert obs["types"] == [["int", "float", "int"]] * 3
    assert obs["queries"] <= 1, obs["sql"]


@pytest.mark.weight(3)
def test_several_lines_and_several_reviews_do_not_multiply(driver):
    data = dataset([(7, "Chair", "home")], [(7, 2), (7, 5), (7, 1)], [(7, 1), (7, 2), (7, 2), (7, 5)])
    obs = driver.product_stats_scenario(**data, category="home")
    check(obs, data, "home")
    assert obs["rows"][0][3] == 8 and obs["rows"][0][5] == 4


@pytest.mark.weight(2)
def test_repeated_quantities_all_count(driver):
    data = dataset([(1, "Cup", "k")], [(1, 3), (1, 3), (1, 3)], [(1, 4)])
    obs = driver.product_stats_scenario(**data, category="k")
    assert obs["rows"] == [[1, "Cup", "k", 9, 4.0, 1]]


def test_product_without_lines_or_reviews(driver):
    data = dataset([(5, "Ghost", "misc")], [], [])
    obs = driver.product_stats_scenario(**data, category="misc")
    assert obs["rows"] == [[5, "Ghost", "misc", 0, None, 0]]
    assert obs["types"] == [["int", "NoneType", "int"]]


def test_lines_without_reviews_and_reviews_without_lines(driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [(1, 4), (1, 6)], [(2, 5), (2, 2), (2, 2)])
    obs = driver.product_stats_scenario(**data, category="c")
    check(obs, data, "c")


def test_average_is_a_float_even_when_whole(driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [], [(1, 4), (1, 4), (2, 1), (2, 2), (2, 2)])
    obs = driver.product_stats_scenario(**data, category="c")
    check(obs, data, "c")
    assert obs["rows"][0][4] == 4.0


def test_category_must_match_exactly(driver):
    data = dataset([(1, "A", "Books"), (2, "B", "books"), (3, "C", "books ")], [(1, 1)], [])
    obs = driver.product_stats_scenario(**data, category="books")
    assert [row[0] for row in obs["rows"]] == [2]


def test_unknown_category_gives_nothing(driver):
    obs = driver.product_stats_scenario(**EXAMPLE, category="garden")
    assert obs["rows"] == []
    assert obs["queries"] <= 1, obs["sql"]


def test_ordered_by_id_not_by_insertion_or_name(driver):
    data = dataset([(30, "a", "c"), (10, "c", "c"), (20, "b", "c")], [(20, 1)], [(10, 3)])
    obs = driver.product_stats_scenario(**data, category="c")
    assert [row[0] for row in obs["rows"]] == [10, 20, 30]


# ---------------------------------------------------------------- best_sellers


@pytest.mark.weight(2)
@pytest.mark.parametrize(("min_total", "ids"), [(2, [1]), (1, [1, 2]), (0, [1, 2]), (-1, [1, 2, 4]), (7, [])])
def test_best_sellers_example(driver, min_total, ids):
    obs = driver.best_sellers_scenario(**EXAMPLE, category="home", min_total=min_total)
    assert [row[0] for row in obs["rows"]] == ids
    check(obs, EXAMPLE, "home", min_total)


def test_best_sellers_threshold_is_strict(driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [(1, 5), (2, 4), (2, 2)], [])
    obs = driver.best_sellers_scenario(**data, category="c", min_total=5)
    assert [row[0] for row in obs["rows"]] == [2]


@pytest.mark.weight(2)
def test_best_sellers_negative_threshold_keeps_products_that_sold_nothing(driver):
    data = dataset([(1, "A", "c"), (2, "B", "c"), (3, "C", "d")], [(1, 2)], [(2, 5)])
    obs = driver.best_sellers_scenario(**data, category="c", min_total=-5)
    assert obs["rows"] == [[1, "A", "c", 2, None, 0], [2, "B", "c", 0, 5.0, 1]]


@pytest.mark.weight(2)
def test_best_sellers_counts_without_multiplication(driver):
    # 3 lines x 3 reviews: an inflated sum (3 x 4 = 12) would pass a threshold of 10.
    data = dataset([(1, "A", "c")], [(1, 1), (1, 1), (1, 2)], [(1, 5), (1, 4), (1, 3)])
    obs = driver.best_sellers_scenario(**data, category="c", min_total=10)
    assert obs["rows"] == []
    obs = driver.best_sellers_scenario(**data, category="c", min_total=3)
    assert obs["rows"] == [[1, "A", "c", 4, 4.0, 3]]


def test_best_sellers_only_in_the_category(driver):
    obs = driver.best_sellers_scenario(**EXAMPLE, category="kitchen", min_total=-1)
    assert obs["rows"] == [[3, "Mug", "kitchen", 10, None, 0]]


# ---------------------------------------------------------------- size


def big_data(size):
    products = [(1 + 2 * i, f"p{i}", "big" if i % 5 else "other") for i in range(size)]
    lines = [(products[(i * 7) % size][0], 1 + (i * 31) % 9) for i in range(size)]
    reviews = [(products[(i * 11) % size][0], 1 + (i * 13) % 5) for i in range(size)]
    return dataset(products, lines, reviews)


@pytest.mark.weight(2)
def test_five_hundred_rows_in_one_query(driver):
    data = big_data(500)
    check(driver.product_stats_scenario(**data, category="big"), data, "big")
    check(driver.best_sellers_scenario(**data, category="big", min_total=4), data, "big", 4)


# ---------------------------------------------------------------- properties

categories = st.sampled_from(["home", "Home", "toys"])


@st.composite
def sales_data(draw):
    ids = draw(st.lists(st.integers(1, 5000), unique=True, max_size=6))
    products = [(i, draw(st.text(alphabet="abcXY ", max_size=4)), draw(categories)) for i in ids]
    lines, reviews = [], []
    if ids:
        lines = draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(1, 6)), max_size=12))
        reviews = draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(1, 5)), max_size=12))
    return dataset(products, lines, reviews)


@pytest.mark.weight(4)
@settings(max_examples=50)
@given(data=sales_data(), category=categories)
def test_product_stats_matches_the_model(driver, data, category):
    check(driver.product_stats_scenario(**data, category=category), data, category)


@pytest.mark.weight(4)
@settings(max_examples=50)
@given(data=sales_data(), category=categories, min_total=st.integers(-2, 15))
def test_best_sellers_matches_the_model(driver, data, category, min_total):
    check(driver.best_sellers_scenario(**data, category=category, min_total=min_total), data, category, min_total)
