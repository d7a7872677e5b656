# wrong: breaks created_at ties by id ascending instead of descending
# max-percent: 52

import base64
import binascii
import json
import math
import re

MAX_LIMIT = 100
_CURSOR_ALPHABET = re.compile(r"[A-Za-z0-9_=-]+")


def _feed_key(item):
    # Sorting ascending by this key gives created_at descending, then id descending.
    return (-item["created_at"], item["id"])


def _encode(item) -> str:
    text = json.dumps([item["created_at"], item["id"]])  # floats round-trip exactly through repr
    return base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii")


def _decode(cursor) -> tuple[float, int]:
    if not isinstance(cursor, str) or not _CURSOR_ALPHABET.fullmatch(cursor):
        raise ValueError("malformed cursor")
    try:
        raw = base64.b64decode(cursor, altchars=b"-_", validate=True)
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError("malformed cursor") from exc
    if not (isinstance(value, list) and len(value) == 2):
        raise ValueError("malformed cursor")
    created_at, item_id = value
    if isinstance(created_at, bool) or not isinstance(created_at, (int, float)):
        raise ValueError("malformed cursor")
    if not math.isfinite(created_at) or isinstance(item_id, bool) or not isinstance(item_id, int):
        raise ValueError("malformed cursor")
    return float(created_at), item_id


def paginate(items: list[dict], cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be an int in 1..{MAX_LIMIT}")
    feed = sorted(items, key=_feed_key)
    start = 0
    if cursor is not None:
        created_at, item_id = _decode(cursor)
        position = (-created_at, item_id)
        # first index whose key is strictly greater than the position (binary search)
        low, high = 0, len(feed)
        while low < high:
            middle = (low + high) // 2
            if _feed_key(feed[middle]) <= position:
                low = middle + 1
            else:
                high = middle
        start = low
    page = feed[start : start + limit]
    has_more = start + limit < len(feed)
    return page, (_encode(page[-1]) if page and has_more else None)
