import pytest


def test_prompt_example(submission):
    items = [
        {"id": 1, "created_at": 10.0, "text": "a"},
        {"id": 2, "created_at": 30.0, "text": "b"},
        {"id": 3, "created_at": 20.0, "text": "c"},
        {"id": 4, "created_at": 30.0, "text": "d"},
    ]
    page, cursor = submission.paginate(items, None, 2)
    assert [x["id"] for x in page] == [4, 2]
    assert isinstance(cursor, str) and cursor
    items.append({"id": 5, "created_at": 40.0, "text": "new"})
    page, cursor = submission.paginate(items, cursor, 2)
    assert page == [items[2], items[0]]
    assert cursor is None


def test_invalid_cursor_and_limit(submission):
    items = [{"id": 1, "created_at": 1.0}]
    with pytest.raises(ValueError):
        submission.paginate(items, "", 2)
    with pytest.raises(ValueError):
        submission.paginate(items, None, 0)
