# alternative: text position (float.hex and id) hex-encoded as the cursor; sorted keys searched with bisect
from bisect import bisect_right


def _encode(created_at, item_id):
    return f"{created_at.hex()}|{item_id}".encode("ascii").hex()


def _decode(cursor):
    if not isinstance(cursor, str) or not cursor:
        raise ValueError("cursor must be a non-empty string")
    try:
        text = bytes.fromhex(cursor).decode("ascii")
        created_text, id_text = text.split("|")
        created_at = float.fromhex(created_text)
        item_id = int(id_text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"undecodable cursor {cursor!r}") from exc
    if created_at in (float("inf"), float("-inf")) or created_at != created_at:
        raise ValueError("cursor position is not finite")
    return created_at, item_id


def paginate(items, cursor, limit):
    if isinstance(limit, bool) or not isinstance(limit, int) or not (1 <= limit <= 100):
        raise ValueError("limit out of range")
    ordered = sorted(items, key=lambda x: (x["created_at"], x["id"]), reverse=True)
    start = 0
    if cursor is not None:
        created_at, item_id = _decode(cursor)
        keys = [(-x["created_at"], -x["id"]) for x in ordered]
        start = bisect_right(keys, (-created_at, -item_id))
    page = ordered[start : start + limit]
    if start + limit < len(ordered):
        last = page[-1]
        return page, _encode(float(last["created_at"]), last["id"])
    return page, None
