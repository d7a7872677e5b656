"""Hidden suite for sales-annotation, on the grader's PostgreSQL server.

The rows are loaded here, as the database's owner; the driver only calls the submission's
function in the worker and reads every product it returns (values and the type names of the three
annotations); the statements are those the server logged for this test's role while the call and
the reading ran (nothing in the worker counts them). The expected rows are computed here, from the
same fixture rows.
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
    for got, want in zip(actual, expected, strict=True):
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


def tables(data):
    """The fixture as the tables Django made for the `sales` app (parents first, in the fixture's order)."""
    return {
        "sales_product": data["products"],
        "sales_orderline": data["lines"],
        "sales_review": data["reviews"],
    }


def run(database, driver, name, data, **arguments):
    """Load the rows, call one of the submission's functions through the driver and count, on the
    server, every statement the test's role sent from the load on (a thread that reads the rows
    before the call is counted too; the owner's load is not)."""
    with database.observe() as seen:
        database.load(tables(data))
        obs = getattr(driver, name)(**arguments)
    return {**obs, "queries": seen.queries, "sql": seen.sql}


def stats(database, driver, data, category):
    return run(database, driver, "product_stats", data, category=category)


def sellers(database, driver, data, category, min_total):
    return run(database, driver, "best_sellers", data, category=category, min_total=min_total)


EXAMPLE = dataset(
    [(1, "Lamp", "home"), (2, "Desk", "home"), (3, "Mug", "kitchen"), (4, "Rug", "home")],
    [(1, 3), (1, 3), (1, 1), (2, 2), (3, 10)],
    [(1, 5), (1, 4), (2, 3), (2, 4), (4, 2)],
)


# ---------------------------------------------------------------- product_stats


@pytest.mark.weight(2)
def test_product_stats_example(database, driver):
    obs = stats(database, driver, EXAMPLE, "home")
    assert obs["rows"] == [
        [1, "Lamp", "home", 7, 4.5, 2],
        [2, "Desk", "home", 2, 3.5, 2],
        [4, "Rug", "home", 0, 2.0, 1],
    ]
    assert obs["types"] == [["int", "float", "int"]] * 3
    assert obs["queries"] <= 1, obs["sql"]


@pytest.mark.weight(3)
def test_several_lines_and_several_reviews_do_not_multiply(database, driver):
    data = dataset([(7, "Chair", "home")], [(7, 2), (7, 5), (7, 1)], [(7, 1), (7, 2), (7, 2), (7, 5)])
    obs = stats(database, driver, data, "home")
    check(obs, data, "home")
    assert obs["rows"][0][3] == 8 and obs["rows"][0][5] == 4


@pytest.mark.weight(2)
def test_repeated_quantities_all_count(database, driver):
    data = dataset([(1, "Cup", "k")], [(1, 3), (1, 3), (1, 3)], [(1, 4)])
    obs = stats(database, driver, data, "k")
    assert obs["rows"] == [[1, "Cup", "k", 9, 4.0, 1]]


def test_product_without_lines_or_reviews(database, driver):
    data = dataset([(5, "Ghost", "misc")], [], [])
    obs = stats(database, driver, data, "misc")
    assert obs["rows"] == [[5, "Ghost", "misc", 0, None, 0]]
    assert obs["types"] == [["int", "NoneType", "int"]]


def test_lines_without_reviews_and_reviews_without_lines(database, driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [(1, 4), (1, 6)], [(2, 5), (2, 2), (2, 2)])
    obs = stats(database, driver, data, "c")
    check(obs, data, "c")


def test_average_is_a_float_even_when_whole(database, driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [], [(1, 4), (1, 4), (2, 1), (2, 2), (2, 2)])
    obs = stats(database, driver, data, "c")
    check(obs, data, "c")
    assert obs["rows"][0][4] == 4.0


@pytest.mark.weight(2)
def test_average_is_the_exact_mean_as_a_float(database, driver):
    # 13/3, 4/3 and 20/7 have no short decimal form: a rounded mean or a Decimal is not the answer.
    data = dataset(
        [(1, "A", "c"), (2, "B", "c"), (3, "C", "c")],
        [(1, 2), (1, 2), (3, 1)],
        [(1, 5), (1, 4), (1, 4), (2, 1), (2, 1), (2, 2), *[(3, 3)] * 6, (3, 2)],
    )
    obs = stats(database, driver, data, "c")
    assert obs["types"] == [["int", "float", "int"]] * 3, obs["types"]
    check(obs, data, "c")


def test_totals_beyond_32_bits(database, driver):
    # Each quantity fits the column (a 32-bit integer); their sum does not.
    big = 2_147_483_647
    data = dataset([(1, "A", "c"), (2, "B", "c")], [(1, big), (1, big), (1, 3), (2, big)], [(1, 5)])
    obs = stats(database, driver, data, "c")
    check(obs, data, "c")
    assert obs["rows"][0][3] == 2 * big + 3
    obs = sellers(database, driver, data, "c", big)
    assert [row[0] for row in obs["rows"]] == [1]


def test_category_must_match_exactly(database, driver):
    data = dataset([(1, "A", "Books"), (2, "B", "books"), (3, "C", "books ")], [(1, 1)], [])
    obs = stats(database, driver, data, "books")
    assert [row[0] for row in obs["rows"]] == [2]


def test_unknown_category_gives_nothing(database, driver):
    obs = stats(database, driver, EXAMPLE, "garden")
    assert obs["rows"] == []
    assert obs["queries"] <= 1, obs["sql"]


def test_ordered_by_id_not_by_insertion_or_name(database, driver):
    # Inserted 30, 10, 20: without an ORDER BY, PostgreSQL returns them in that order.
    data = dataset([(30, "a", "c"), (10, "c", "c"), (20, "b", "c")], [(20, 1)], [(10, 3)])
    obs = stats(database, driver, data, "c")
    assert [row[0] for row in obs["rows"]] == [10, 20, 30]


# ---------------------------------------------------------------- best_sellers


@pytest.mark.weight(2)
@pytest.mark.parametrize(("min_total", "ids"), [(2, [1]), (1, [1, 2]), (0, [1, 2]), (-1, [1, 2, 4]), (7, [])])
def test_best_sellers_example(database, driver, min_total, ids):
    obs = sellers(database, driver, EXAMPLE, "home", min_total)
    assert [row[0] for row in obs["rows"]] == ids
    check(obs, EXAMPLE, "home", min_total)


def test_best_sellers_threshold_is_strict(database, driver):
    data = dataset([(1, "A", "c"), (2, "B", "c")], [(1, 5), (2, 4), (2, 2)], [])
    obs = sellers(database, driver, data, "c", 5)
    assert [row[0] for row in obs["rows"]] == [2]


@pytest.mark.weight(2)
def test_best_sellers_negative_threshold_keeps_products_that_sold_nothing(database, driver):
    data = dataset([(1, "A", "c"), (2, "B", "c"), (3, "C", "d")], [(1, 2)], [(2, 5)])
    obs = sellers(database, driver, data, "c", -5)
    assert obs["rows"] == [[1, "A", "c", 2, None, 0], [2, "B", "c", 0, 5.0, 1]]


@pytest.mark.weight(2)
def test_best_sellers_counts_without_multiplication(database, driver):
    # 3 lines x 3 reviews: an inflated sum (3 x 4 = 12) would pass a threshold of 10.
    data = dataset([(1, "A", "c")], [(1, 1), (1, 1), (1, 2)], [(1, 5), (1, 4), (1, 3)])
    obs = sellers(database, driver, data, "c", 10)
    assert obs["rows"] == []
    obs = sellers(database, driver, data, "c", 3)
    assert obs["rows"] == [[1, "A", "c", 4, 4.0, 3]]


def test_best_sellers_only_in_the_category(database, driver):
    obs = sellers(database, driver, EXAMPLE, "kitchen", -1)
    assert obs["rows"] == [[3, "Mug", "kitchen", 10, None, 0]]


def test_best_sellers_ordered_by_id(database, driver):
    data = dataset([(9, "a", "c"), (4, "b", "c"), (6, "c", "c")], [(9, 2), (9, 2), (4, 3), (6, 1), (6, 1)], [(4, 2)])
    obs = sellers(database, driver, data, "c", 0)
    assert [row[0] for row in obs["rows"]] == [4, 6, 9]
    check(obs, data, "c", 0)


# ---------------------------------------------------------------- size


def big_data(size):
    products = [(1 + 2 * i, f"p{i}", "big" if i % 5 else "other") for i in range(size)]
    lines = [(products[(i * 7) % size][0], 1 + (i * 31) % 9) for i in range(size)]
    reviews = [(products[(i * 11) % size][0], 1 + (i * 13) % 5) for i in range(size)]
    return dataset(products, lines, reviews)


@pytest.mark.weight(2)
def test_five_hundred_rows_in_one_query(database, driver):
    data = big_data(500)
    check(stats(database, driver, data, "big"), data, "big")
    check(sellers(database, driver, data, "big", 4), data, "big", 4)


# ---------------------------------------------------------------- properties

categories = st.sampled_from(["home", "Home", "toys"])


@st.composite
def sales_data(draw):
    # Ids drawn in any order and inserted in that order: only an ORDER BY gives ascending ids.
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
def test_product_stats_matches_the_model(database, driver, data, category):
    check(stats(database, driver, data, category), data, category)


@pytest.mark.weight(4)
@settings(max_examples=50)
@given(data=sales_data(), category=categories, min_total=st.integers(-2, 15))
def test_best_sellers_matches_the_model(database, driver, data, category, min_total):
    check(sellers(database, driver, data, category, min_total), data, category, min_total)
