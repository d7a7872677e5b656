ITEMS = [
    {"id": 3, "title": "Red running shoe", "color": "red", "size": ["42", "43"]},
    {"id": 1, "title": "Blue running shoe", "color": "blue", "size": ["42"]},
    {"id": 2, "title": "Red hat", "color": "red"},
    {"id": 4, "title": "Trail SHOE", "size": "44"},
]


def test_prompt_example_with_a_filter(submission):
    assert submission.search(ITEMS, "shoe", {"color": {"red"}}, ["color", "size"]) == {
        "hits": [3],
        "facets": {"color": {"red": 1, "blue": 1}, "size": {"42": 1, "43": 1}},
    }


def test_prompt_example_without_terms(submission):
    assert submission.search(ITEMS, "  ", {"color": set()}, ["material"]) == {
        "hits": [1, 2, 3, 4],
        "facets": {"material": {}},
    }
