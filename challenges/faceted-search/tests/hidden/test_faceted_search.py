"""Hidden suite for faceted-search: one test per rule, then hypothesis against an oracle that
implements the prompt's rules literally (re-filtering all items for every facet)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- the oracle


def passes(item, field, selected):
    if field not in item:
        return False
    value = item[field]
    if isinstance(value, list):
        return any(element in selected for element in value)
    return value in selected


def oracle(items, query, filters, facets):
    terms = [term.casefold() for term in query.split()]
    active = {field: selected for field, selected in filters.items() if selected}

    def matches(item, ignored=None):
        title = item["title"].casefold()
        return all(term in title for term in terms) and all(
            passes(item, field, selected) for field, selected in active.items() if field != ignored
        )

    result = {"hits": sorted(item["id"] for item in items if matches(item)), "facets": {}}
    for field in facets:
        counts = {}
        for item in items:
            if field in item and matches(item, ignored=field):
                value = item[field]
                for element in set(value) if isinstance(value, list) else {value}:
                    counts[element] = counts.get(element, 0) + 1
        result["facets"][field] = counts
    return result


SHOP = [
    {"id": 3, "title": "Red running shoe", "color": "red", "size": ["42", "43"]},
    {"id": 1, "title": "Blue running shoe", "color": "blue", "size": ["42"]},
    {"id": 2, "title": "Red hat", "color": "red"},
    {"id": 4, "title": "Trail SHOE", "size": "44"},
]


def check(submission, items, query, filters, facets, expected=None):
    got = submission.search(items, query, filters, facets)
    want = oracle(items, query, filters, facets)
    if expected is not None:
        assert want == expected, "oracle disagrees with the hand-written expectation"
    assert got == want
    return got


# ---------------------------------------------------------------- examples


@pytest.mark.weight(2)
def test_prompt_example(submission):
    check(
        submission, SHOP, "shoe", {"color": {"red"}}, ["color", "size"],
        {"hits": [3], "facets": {"color": {"red": 1, "blue": 1}, "size": {"42": 1, "43": 1}}},
    )  # fmt: skip
    check(submission, SHOP, "  ", {"color": set()}, ["material"], {"hits": [1, 2, 3, 4], "facets": {"material": {}}})


def test_no_query_no_filters_no_facets(submission):
    check(submission, SHOP, "", {}, [], {"hits": [1, 2, 3, 4], "facets": {}})
    check(submission, [], "shoe", {"color": {"red"}}, ["color"], {"hits": [], "facets": {"color": {}}})


# ---------------------------------------------------------------- query


@pytest.mark.weight(2)
def test_terms_are_casefolded_substrings_of_the_title(submission):
    items = [
        {"id": 1, "title": "Straße map"},
        {"id": 2, "title": "STRASSE MAP"},
        {"id": 3, "title": "Strand"},
        {"id": 4, "title": "Maple syrup"},
    ]
    check(submission, items, "strasse", {}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "STRAẞE", {}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "straß", {}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "MAP", {}, [], {"hits": [1, 2, 4], "facets": {}})
    check(submission, items, "ap", {}, [], {"hits": [1, 2, 4], "facets": {}})


@pytest.mark.weight(2)
def test_every_term_must_occur_in_any_order(submission):
    items = [
        {"id": 1, "title": "red wool hat"},
        {"id": 2, "title": "hat, red"},
        {"id": 3, "title": "red scarf"},
        {"id": 4, "title": "Hat"},
    ]
    check(submission, items, "hat red", {}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "red red", {}, [], {"hits": [1, 2, 3], "facets": {}})
    check(submission, items, "red wool hat extra", {}, [], {"hits": [], "facets": {}})


@pytest.mark.weight(2)
def test_any_whitespace_separates_terms(submission):
    items = [{"id": 1, "title": "red wool hat"}, {"id": 2, "title": "red\thood"}, {"id": 3, "title": "wool"}]
    check(submission, items, "  hat\tred\n", {}, [], {"hits": [1], "facets": {}})
    check(submission, items, "wool\u00a0red", {}, [], {"hits": [1], "facets": {}})
    check(submission, items, "red  \r\n  wool", {}, [], {"hits": [1], "facets": {}})
    check(submission, items, "\t \n", {}, [], {"hits": [1, 2, 3], "facets": {}})


# ---------------------------------------------------------------- filters


@pytest.mark.weight(2)
def test_or_within_a_field_and_across_fields(submission):
    items = [
        {"id": 1, "title": "a", "color": "red", "brand": "acme"},
        {"id": 2, "title": "b", "color": "blue", "brand": "acme"},
        {"id": 3, "title": "c", "color": "green", "brand": "acme"},
        {"id": 4, "title": "d", "color": "red", "brand": "zeta"},
    ]
    check(submission, items, "", {"color": {"red", "blue"}}, [], {"hits": [1, 2, 4], "facets": {}})
    check(submission, items, "", {"color": {"red", "blue"}, "brand": {"acme"}}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "", {"color": {"green"}, "brand": {"zeta"}}, [], {"hits": [], "facets": {}})


@pytest.mark.weight(2)
def test_an_empty_selection_filters_nothing(submission):
    items = [{"id": 1, "title": "a", "color": "red"}, {"id": 2, "title": "b"}]
    check(submission, items, "", {"color": set()}, [], {"hits": [1, 2], "facets": {}})
    check(submission, items, "", {"color": set(), "size": set()}, ["color"], {"hits": [1, 2], "facets": {"color": {"red": 1}}})


@pytest.mark.weight(2)
def test_an_item_without_the_field_fails_its_filter(submission):
    items = [
        {"id": 1, "title": "a", "color": "red"},
        {"id": 2, "title": "b"},
        {"id": 3, "title": "c", "color": []},
        {"id": 4, "title": "d", "color": ["red"]},
    ]
    check(submission, items, "", {"color": {"red"}}, [], {"hits": [1, 4], "facets": {}})
    check(submission, items, "", {"nothing": {"red"}}, [], {"hits": [], "facets": {}})


@pytest.mark.weight(2)
def test_list_values_pass_when_any_element_is_selected(submission):
    items = [
        {"id": 1, "title": "a", "tags": ["sale", "new"]},
        {"id": 2, "title": "b", "tags": ["new"]},
        {"id": 3, "title": "c", "tags": ["old", "old"]},
        {"id": 4, "title": "d", "tags": "sale"},
    ]
    check(submission, items, "", {"tags": {"sale"}}, [], {"hits": [1, 4], "facets": {}})
    check(submission, items, "", {"tags": {"sale", "old"}}, [], {"hits": [1, 3, 4], "facets": {}})


def test_filter_values_are_compared_exactly(submission):
    items = [
        {"id": 1, "title": "a", "color": "Red"},
        {"id": 2, "title": "b", "color": "red"},
        {"id": 3, "title": "c", "color": "red "},
        {"id": 4, "title": "d", "color": ""},
    ]
    check(submission, items, "", {"color": {"red"}}, [], {"hits": [2], "facets": {}})
    check(submission, items, "", {"color": {""}}, [], {"hits": [4], "facets": {}})
    check(submission, items, "", {"title": {"A", "b"}}, ["title"], {"hits": [2], "facets": {"title": {"a": 1, "b": 1, "c": 1, "d": 1}}})


# ---------------------------------------------------------------- facets


@pytest.mark.weight(3)
def test_a_facet_ignores_its_own_filter_but_applies_the_others(submission):
    items = [
        {"id": 1, "title": "shoe", "color": "red", "size": "S"},
        {"id": 2, "title": "shoe", "color": "blue", "size": "M"},
        {"id": 3, "title": "shoe", "color": "red", "size": "M"},
        {"id": 4, "title": "shoe", "color": "green", "size": "S"},
        {"id": 5, "title": "hat", "color": "red", "size": "S"},
    ]
    check(
        submission, items, "shoe", {"color": {"red"}, "size": {"M"}}, ["color", "size"],
        {"hits": [3], "facets": {"color": {"blue": 1, "red": 1}, "size": {"S": 1, "M": 1}}},
    )  # fmt: skip
    check(
        submission, items, "", {"color": {"red", "green"}}, ["color", "size"],
        {"hits": [1, 3, 4, 5], "facets": {"color": {"red": 3, "blue": 1, "green": 1}, "size": {"S": 3, "M": 1}}},
    )  # fmt: skip


@pytest.mark.weight(2)
def test_facets_apply_the_query(submission):
    items = [
        {"id": 1, "title": "shoe", "color": "red"},
        {"id": 2, "title": "hat", "color": "blue"},
        {"id": 3, "title": "Shoe", "color": "blue"},
    ]
    check(submission, items, "SHOE", {"color": {"red"}}, ["color"], {"hits": [1], "facets": {"color": {"red": 1, "blue": 1}}})


@pytest.mark.weight(2)
def test_list_values_count_once_per_distinct_element(submission):
    items = [
        {"id": 1, "title": "a", "tags": ["x", "x", "y"]},
        {"id": 2, "title": "b", "tags": ["y"]},
        {"id": 3, "title": "c", "tags": []},
        {"id": 4, "title": "d", "tags": "x"},
    ]
    check(submission, items, "", {}, ["tags"], {"hits": [1, 2, 3, 4], "facets": {"tags": {"x": 2, "y": 2}}})


@pytest.mark.weight(2)
def test_zero_counts_are_omitted(submission):
    items = [
        {"id": 1, "title": "shoe", "color": "red", "size": "S"},
        {"id": 2, "title": "hat", "color": "blue", "size": "M"},
    ]
    check(
        submission, items, "shoe", {"color": {"red", "purple"}, "size": {"M"}}, ["color", "size"],
        {"hits": [], "facets": {"color": {}, "size": {"S": 1}}},
    )  # fmt: skip
    check(submission, items, "", {"size": {"XL"}}, ["size", "color"], {"hits": [], "facets": {"size": {"S": 1, "M": 1}, "color": {}}})


def test_facets_for_missing_fields_and_repeated_names(submission):
    items = [{"id": 1, "title": "a", "color": "red"}, {"id": 2, "title": "b"}]
    got = check(submission, items, "", {}, ["color", "brand", "color"], {"hits": [1, 2], "facets": {"color": {"red": 1}, "brand": {}}})
    assert sorted(got["facets"]) == ["brand", "color"]


def test_hits_are_sorted_ascending(submission):
    items = [{"id": i, "title": "x"} for i in [5, -3, 12, 0, 7, -40]]
    check(submission, items, "X", {}, [], {"hits": [-40, -3, 0, 5, 7, 12], "facets": {}})


# ---------------------------------------------------------------- properties

VALUES = ["red", "Red", "blue", "x", ""]
FIELDS = ["color", "tags", "size", "brand"]
value_lists = st.lists(st.sampled_from(VALUES), max_size=4)
field_values = st.one_of(st.sampled_from(VALUES), value_lists)
titles = st.text(alphabet="abAB ßsSİi\u00a0", max_size=10)


@st.composite
def inventories(draw):
    ids = draw(st.lists(st.integers(-30, 30), unique=True, max_size=14))
    items = []
    for item_id in ids:
        item = {"id": item_id, "title": draw(titles)}
        for field in ("color", "tags", "size"):
            if draw(st.booleans()):
                item[field] = draw(field_values)
        items.append(item)
    return items


terms = st.text(alphabet="abABßsSİi", min_size=1, max_size=2)
gaps = st.sampled_from(["", " ", "  ", "\t", "\n", "\u00a0"])
queries = st.one_of(
    st.just(""),
    st.lists(terms, max_size=3).flatmap(
        lambda words: st.lists(gaps, min_size=len(words) + 1, max_size=len(words) + 1).map(
            lambda spaces: spaces[0] + "".join(word + gap for word, gap in zip(words, spaces[1:], strict=True))
        )
    ),
)
filter_maps = st.dictionaries(st.sampled_from([*FIELDS, "title"]), st.sets(st.sampled_from(VALUES), max_size=3), max_size=4)
facet_lists = st.lists(st.sampled_from([*FIELDS, "title"]), max_size=5)


@pytest.mark.weight(6)
@settings(max_examples=200)
@given(items=inventories(), query=queries, filters=filter_maps, facets=facet_lists)
def test_matches_the_oracle(submission, items, query, filters, facets):
    assert submission.search(items, query, filters, facets) == oracle(items, query, filters, facets)


@pytest.mark.weight(3)
@settings(max_examples=100)
@given(items=inventories(), filters=filter_maps)
def test_facet_counts_of_every_field_match_the_oracle_without_a_query(submission, items, filters):
    facets = [*FIELDS, "title"]
    assert submission.search(items, "", filters, facets) == oracle(items, "", filters, facets)


# Pieces whose casefold() differs from their lower(): sharp s (both cases), long s, the fi ligature, final sigma.
FOLDING_PIECES = ["ß", "ẞ", "ss", "SS", "Ss", "s", "S", "\u017f", "ﬁ", "fi", "FI", "ς", "\u03c3", "Σ", "a", "A"]
folding_words = st.lists(st.sampled_from(FOLDING_PIECES), min_size=1, max_size=3).map("".join)
folding_titles = st.lists(folding_words, min_size=1, max_size=4).map(" ".join)
folding_terms = st.lists(st.sampled_from(FOLDING_PIECES), min_size=1, max_size=2).map("".join)
folding_queries = st.lists(
    st.tuples(st.sampled_from([" ", "  ", "\t", "\u00a0", "\n"]), folding_terms), min_size=1, max_size=2
).map(lambda pairs: "".join(gap + term for gap, term in pairs))
folding_filters = st.dictionaries(
    st.sampled_from(["color", "size"]), st.sets(st.sampled_from(VALUES), max_size=3), min_size=1, max_size=2
)
folding_facets = st.lists(st.sampled_from(["color", "size", "title"]), min_size=1, max_size=4)


@st.composite
def folding_inventories(draw):
    ids = draw(st.lists(st.integers(-30, 30), unique=True, min_size=1, max_size=10))
    items = []
    for item_id in ids:
        item = {"id": item_id, "title": draw(folding_titles)}
        for field in ("color", "size"):
            if draw(st.integers(0, 3)):
                item[field] = draw(field_values)
        items.append(item)
    return items


@pytest.mark.weight(2)
@settings(max_examples=60)
@given(items=folding_inventories(), query=folding_queries, filters=folding_filters, facets=folding_facets)
def test_query_terms_match_titles_after_casefold(submission, items, query, filters, facets):
    assert submission.search(items, query, filters, facets) == oracle(items, query, filters, facets)
