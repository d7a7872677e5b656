"""Hidden suite for cursor-pagination: rules one by one, page walks under insertions and
deletions checked against an oracle, malformed cursors, limits, and one timed call."""

import base64
import json
import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.testing import timed

CURSOR = re.compile(r"[A-Za-z0-9_=-]+")
JUST_ABOVE_0_1 = math.nextafter(0.1, 1.0)


def feed(items):
    """The oracle's feed order: created_at descending, then id descending."""
    return sorted(items, key=lambda item: (-item["created_at"], -item["id"]))


def item(item_id, created_at, **extra):
    return {"id": item_id, "created_at": float(created_at), **extra}


def check_cursor(cursor):
    assert type(cursor) is str, f"cursor should be a str, got {cursor!r}"
    assert CURSOR.fullmatch(cursor), f"cursor {cursor!r} has characters outside [A-Za-z0-9_=-]"


def walk(paginate, items, limit):
    """All pages of an unchanging list, checking every cursor on the way."""
    pages = []
    page, cursor = paginate(items, None, limit)
    pages.append(page)
    while cursor is not None:
        check_cursor(cursor)
        assert len(pages) <= len(items), "the walk does not end"
        page, cursor = paginate(items, cursor, limit)
        pages.append(page)
    return pages


def b64(text):
    return base64.urlsafe_b64encode(text.encode()).decode()


# ---------------------------------------------------------------- examples


@pytest.mark.weight(2)
def test_prompt_example(submission):
    items = [item(1, 10, text="a"), item(2, 30, text="b"), item(3, 20, text="c"), item(4, 30, text="d")]
    page, cursor = submission.paginate(items, None, 2)
    assert page == [item(4, 30, text="d"), item(2, 30, text="b")]
    check_cursor(cursor)
    items.append(item(5, 40, text="new"))
    page, cursor = submission.paginate(items, cursor, 2)
    assert page == [item(3, 20, text="c"), item(1, 10, text="a")]
    assert cursor is None


def test_empty_items(submission):
    assert submission.paginate([], None, 10) == ([], None)


@pytest.mark.weight(2)
def test_first_page_sorts_items_given_in_any_order(submission):
    items = [item(i, (i * 37) % 11, n=i) for i in range(1, 30)]
    page, cursor = submission.paginate(items, None, 100)
    assert page == feed(items)
    assert cursor is None
    page, cursor = submission.paginate(list(reversed(items)), None, 5)
    assert page == feed(items)[:5]
    check_cursor(cursor)


@pytest.mark.weight(2)
def test_items_keep_every_key_and_value(submission):
    items = [
        item(7, 1.5, title="hello", tags=["a", "b"], meta={"x": 1}, empty=None),
        item(8, 2.5, score=-0.5, flag=True),
    ]
    page, cursor = submission.paginate(items, None, 1)
    assert page == [items[1]]
    page, cursor = submission.paginate(items, cursor, 1)
    assert page == [items[0]]
    assert cursor is None


@pytest.mark.weight(2)
def test_equal_created_at_is_broken_by_id_descending_across_pages(submission):
    items = [item(i, 5.0) for i in [3, 10, -2, 7, 1, 4]]
    pages = walk(submission.paginate, items, 2)
    assert [[x["id"] for x in page] for page in pages] == [[10, 7], [4, 3], [1, -2]]


@pytest.mark.weight(2)
def test_next_cursor_is_none_exactly_when_nothing_follows(submission):
    items = [item(i, i) for i in range(1, 7)]
    page, cursor = submission.paginate(items, None, 6)
    assert len(page) == 6 and cursor is None  # a full page that ends at the last item
    page, cursor = submission.paginate(items, None, 5)
    assert len(page) == 5 and cursor is not None
    page, cursor = submission.paginate(items, cursor, 5)
    assert page == [item(1, 1)] and cursor is None
    page, cursor = submission.paginate(items, None, 3)
    page, cursor = submission.paginate(items, cursor, 3)
    assert [x["id"] for x in page] == [3, 2, 1] and cursor is None


@pytest.mark.weight(2)
def test_positions_are_exact_to_the_last_bit(submission):
    items = [item(1, 0.1), item(2, JUST_ABOVE_0_1), item(3, 0.1), item(4, JUST_ABOVE_0_1)]
    pages = walk(submission.paginate, items, 1)
    assert [x["id"] for page in pages for x in page] == [4, 2, 3, 1]
    big = [item(10**12 - k, 1_700_000_000.123456 + k * 2**-22) for k in range(4)]
    big += [item(-(10**12) + k, -3.25) for k in range(3)]
    pages = walk(submission.paginate, big, 2)
    assert [x for page in pages for x in page] == feed(big)


def test_negative_and_zero_values(submission):
    items = [item(-5, -1.5), item(0, 0.0), item(5, -0.0), item(-1, -1e300), item(2, 1e-300)]
    pages = walk(submission.paginate, items, 2)
    assert [x for page in pages for x in page] == feed(items)


@pytest.mark.weight(2)
def test_limit_of_one_hundred(submission):
    items = [item(i, i // 3) for i in range(250)]
    pages = walk(submission.paginate, items, 100)
    assert [len(page) for page in pages] == [100, 100, 50]
    assert [x for page in pages for x in page] == feed(items)


# ---------------------------------------------------------------- position, not offset


@pytest.mark.weight(3)
def test_items_inserted_on_top_do_not_shift_the_next_page(submission):
    items = [item(i, 100 + i) for i in range(1, 11)]
    page, cursor = submission.paginate(items, None, 4)
    assert [x["id"] for x in page] == [10, 9, 8, 7]
    items += [item(11, 500), item(12, 110), item(13, 110.5)]
    page, cursor = submission.paginate(items, cursor, 4)
    assert [x["id"] for x in page] == [6, 5, 4, 3]
    items.insert(0, item(14, 1000))
    page, cursor = submission.paginate(items, cursor, 4)
    assert [x["id"] for x in page] == [2, 1]
    assert cursor is None


@pytest.mark.weight(2)
def test_cursor_survives_removal_of_its_own_item(submission):
    items = [item(i, 10 * i) for i in range(1, 9)]
    page, cursor = submission.paginate(items, None, 3)
    assert [x["id"] for x in page] == [8, 7, 6]
    remaining = [x for x in items if x["id"] not in (6, 7)]
    page, cursor = submission.paginate(remaining, cursor, 3)
    assert [x["id"] for x in page] == [5, 4, 3]
    remaining = [x for x in remaining if x["id"] not in (3, 2)]
    page, cursor = submission.paginate(remaining, cursor, 3)
    assert [x["id"] for x in page] == [1]
    assert cursor is None


@pytest.mark.weight(2)
def test_cursor_past_every_remaining_item_gives_an_empty_page(submission):
    items = [item(1, 1), item(2, 2), item(3, 3)]
    _, cursor = submission.paginate(items, None, 2)
    assert cursor is not None
    assert submission.paginate([item(2, 2), item(3, 3)], cursor, 2) == ([], None)
    assert submission.paginate([], cursor, 2) == ([], None)


@pytest.mark.weight(2)
def test_a_cursor_works_on_another_list_with_items_around_its_position(submission):
    items = [item(i, 7.0) for i in range(1, 6)]
    page, cursor = submission.paginate(items, None, 2)  # stops after id 4 at 7.0
    other = [item(100, 7.0), item(3, 7.0), item(0, 7.0), item(9, 7.5), item(-9, 6.5), item(4, 7.0)]
    page, cursor = submission.paginate(other, cursor, 10)
    assert [x["id"] for x in page] == [3, 0, -9]
    assert cursor is None


# ---------------------------------------------------------------- properties


ids = st.integers(-(10**12), 10**12)
times = st.one_of(
    st.sampled_from([0.0, 0.1, JUST_ABOVE_0_1, -2.5, 1_700_000_000.5, 3.0]),
    st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False),
)
item_lists = st.lists(st.tuples(ids, times), max_size=40, unique_by=lambda pair: pair[0]).map(
    lambda pairs: [item(i, c, label=f"#{i}") for i, c in pairs]
)


@pytest.mark.weight(3)
@settings(max_examples=100)
@given(items=item_lists, limit=st.integers(1, 8), rotation=st.integers(0, 50))
def test_walking_an_unchanging_list_yields_the_feed_once_in_order(submission, items, limit, rotation):
    shift = rotation % len(items) if items else 0
    items = items[shift:] + items[:shift]
    pages = walk(submission.paginate, items, limit)
    assert [x for page in pages for x in page] == feed(items)
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages[-1]) >= 1 or not items


@pytest.mark.weight(5)
@settings(max_examples=100)
@given(
    items=item_lists,
    limit=st.integers(1, 6),
    inserts=st.lists(st.lists(st.sampled_from([0.0, 0.0, 2**-40, 1.0, 1e6]), max_size=3), max_size=12),
    seed=st.integers(0, 2**32),
)
def test_walking_while_new_items_arrive_on_top_yields_every_original_item_once(submission, items, limit, inserts, seed):
    expected = feed(items)
    shuffler = random.Random(seed)
    current = list(items)
    next_id = max([x["id"] for x in items], default=0) + 1
    returned = []
    page, cursor = submission.paginate(current, None, limit)
    returned += page
    calls = 0
    while cursor is not None:
        check_cursor(cursor)
        calls += 1
        assert calls <= len(items), "the walk does not end"
        # new items that sort before everything present: a later created_at, or the
        # same latest created_at with a higher id
        for delta in inserts[calls % len(inserts)] if inserts else []:
            top = max(x["created_at"] for x in current)
            current.append(item(next_id, top + delta, label="new"))
            next_id += 1
        shuffler.shuffle(current)
        page, cursor = submission.paginate(current, cursor, limit)
        returned += page
        assert len(page) == limit or cursor is None
    assert returned == expected


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(items=item_lists, limit=st.integers(1, 6), data=st.data())
def test_walking_while_seen_items_are_deleted_yields_the_rest_in_order(submission, items, limit, data):
    expected = feed(items)
    current = list(items)
    returned = []
    page, cursor = submission.paginate(current, None, limit)
    returned += page
    while cursor is not None:
        check_cursor(cursor)
        assert len(returned) <= len(items), "the walk does not end"
        # delete some of the items already returned, often the last one (the cursor's item)
        seen_ids = {x["id"] for x in returned}
        doomed = data.draw(st.sets(st.sampled_from(sorted(seen_ids))), label="deleted")
        if data.draw(st.booleans(), label="delete the cursor's item"):
            doomed.add(returned[-1]["id"])
        current = [x for x in current if x["id"] not in doomed]
        page, cursor = submission.paginate(current, cursor, limit)
        returned += page
    assert returned == expected


@pytest.mark.weight(2)
@settings(max_examples=40)
@given(
    limit=st.one_of(st.integers(1, 100), st.sampled_from([1, 100])),
    full_pages=st.integers(0, 3),
    rest=st.integers(0, 99),
    seed=st.integers(0, 2**32),
)
def test_every_limit_from_one_to_one_hundred_pages_the_whole_feed(submission, limit, full_pages, rest, seed):
    rng = random.Random(seed)
    size = full_pages * limit + rest % limit
    times = [0.1, JUST_ABOVE_0_1] + [float(rng.randrange(-50, 50)) for _ in range(size // 4)]
    items = [item(i, rng.choice(times), n=i) for i in rng.sample(range(-(10**6), 10**6), size)]
    page, _ = submission.paginate(items, None, limit)
    assert page == feed(items)[:limit]
    pages = walk(submission.paginate, items, limit)
    assert [x for page in pages for x in page] == feed(items)
    assert all(len(page) == limit for page in pages[:-1])
    assert len(pages[-1]) >= 1 or not items


# ---------------------------------------------------------------- malformed input


GARBAGE = [
    "!",
    "not a cursor",
    "not a cursor!",
    "%%%",
    "%2F",
    "a b",
    "ab+/",
    "+/+/",
    "\u00f6",
    "caf\u00e9",
    "x",
    "abc",
    "cursor",
    "AAAA",
    "null",
]
NOT_POSITIONS = ["{}", "[]", "null", '"x"', "1", "[1.5]", '[1.5, "x"]', '{"created_at": "x", "id": "y"}']
BAD_PAIRS = ['["x", 1]', "[null, 1]", "[true, 1]", "[NaN, 1]", "[Infinity, 1]", "[1.5, true]", "[1.5, 2.5]"]


@pytest.mark.weight(3)
def test_the_empty_string_is_not_a_cursor(submission):
    items = [item(1, 1.0), item(2, 2.0)]
    with pytest.raises(ValueError):
        submission.paginate(items, "", 1)
    with pytest.raises(ValueError):
        submission.paginate([], "", 1)


@pytest.mark.weight(2)
def test_garbage_cursors_raise_value_error(submission):
    items = [item(1, 1.0), item(2, 2.0)]
    for cursor in GARBAGE:
        with pytest.raises(ValueError):
            submission.paginate(items, cursor, 1)


@pytest.mark.weight(3)
def test_encoded_values_that_are_not_positions_raise_value_error(submission):
    items = [item(1, 1.0), item(2, 2.0)]
    for text in NOT_POSITIONS:
        for cursor in (b64(text), b64(text).rstrip("=")):
            with pytest.raises(ValueError):
                submission.paginate(items, cursor, 1)


@pytest.mark.weight(2)
def test_pairs_without_a_finite_created_at_and_an_integer_id_raise_value_error(submission):
    items = [item(1, 1.0), item(2, 2.0)]
    for text in BAD_PAIRS:
        with pytest.raises(ValueError):
            submission.paginate(items, b64(text), 1)


@settings(max_examples=30)
@given(items=item_lists, limit=st.integers(1, 100))
def test_the_empty_string_raises_value_error_whatever_the_items_and_limit(submission, items, limit):
    with pytest.raises(ValueError):
        submission.paginate(items, "", limit)


finite_times = st.floats(-1e12, 1e12, allow_nan=False, allow_infinity=False)
words = st.text(max_size=6)
not_finite_numbers = st.one_of(words, st.none(), st.booleans(), st.sampled_from([math.nan, math.inf, -math.inf]))
not_integers = st.one_of(words, st.none(), st.booleans(), finite_times.filter(lambda value: not value.is_integer()))
# JSON values that are not positions, of the kinds the prompt lists: objects, arrays that are not
# pairs, scalars, and pairs without a finite created_at number and an integer id.
non_positions = st.one_of(
    st.dictionaries(st.sampled_from(["created_at", "id"]), st.one_of(words, st.none())),
    st.lists(finite_times, max_size=1),
    st.one_of(st.none(), words, st.integers(-(10**6), 10**6)),
    st.tuples(not_finite_numbers, ids).map(list),
    st.tuples(finite_times, not_integers).map(list),
)


@pytest.mark.weight(2)
@settings(max_examples=50)
@given(items=item_lists, payload=non_positions, limit=st.integers(1, 100))
def test_generated_encoded_values_that_are_not_positions_raise_value_error(submission, items, payload, limit):
    with pytest.raises(ValueError):
        submission.paginate(items, b64(json.dumps(payload)), limit)


def test_a_cursor_that_is_not_a_str_raises_value_error(submission):
    items = [item(1, 1.0), item(2, 2.0), item(3, 3.0)]
    _, cursor = submission.paginate(items, None, 1)
    check_cursor(cursor)
    for bad in [cursor.encode("ascii"), [cursor], 12345, 2.5]:
        with pytest.raises(ValueError):
            submission.paginate(items, bad, 1)


@pytest.mark.weight(2)
def test_tampered_cursors_raise_value_error(submission):
    items = [item(i, c) for i, c in [(1, 0.1), (2, 1_700_000_000.25), (10**12, -3.5), (-7, 0.0), (5, 0.1)]]
    items += [item(20 + k, 42.0 + k / 8) for k in range(6)]
    cursors = []
    _, cursor = submission.paginate(items, None, 1)
    while cursor is not None:
        cursors.append(cursor)
        _, cursor = submission.paginate(items, cursor, 1)
    assert len(cursors) == len(items) - 1
    for cursor in cursors:
        for tampered in ("A" + cursor, "=" + cursor, cursor[1:]):
            with pytest.raises(ValueError):
                submission.paginate(items, tampered, 1)


@pytest.mark.weight(2)
def test_limit_outside_one_to_one_hundred_raises_value_error(submission):
    items = [item(i, i) for i in range(5)]
    _, cursor = submission.paginate(items, None, 1)
    for limit in [0, -1, 101, 1000]:
        with pytest.raises(ValueError):
            submission.paginate(items, None, limit)
        with pytest.raises(ValueError):
            submission.paginate(items, cursor, limit)
        with pytest.raises(ValueError):
            submission.paginate([], None, limit)
    assert submission.paginate(items, None, 1)[0] == [item(4, 4)]
    assert submission.paginate(items, None, 100) == (feed(items), None)


# ---------------------------------------------------------------- performance


@pytest.mark.weight(3)
def test_calls_on_twenty_thousand_items_are_n_log_n(submission):
    rng = random.Random(6)
    items = [item(i, float(rng.randrange(7_000))) for i in rng.sample(range(10**9), 20_000)]
    expected = feed(items)
    page, cursor = timed(submission.paginate, items, None, 100, bound_s=5.0)
    assert page == expected[:100]
    position = 10_000
    # the cursor of the page ending at `position - 1`, obtained from a short list
    anchor = [expected[position - 2], expected[position - 1], expected[position]]
    _, middle = submission.paginate(anchor, None, 2)
    page, cursor = timed(submission.paginate, items, middle, 100, bound_s=5.0)
    assert page == expected[position : position + 100]
    check_cursor(cursor)
