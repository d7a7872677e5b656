"""Cursor pagination: see prompt.md for the rules the grader checks."""


def paginate(items: list[dict], cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    """Return (page, next_cursor): the next `limit` items in feed order after `cursor`.

    Feed order: created_at descending, then id descending. `cursor` is None for the
    first page, else a cursor returned by an earlier call (ValueError if it does not
    decode to a position). `next_cursor` is None exactly when no item follows the page.
    ValueError if `limit` is not in 1..100.
    """
    raise NotImplementedError
