# wrong: the cursor names the last item (by id) instead of a position, so it breaks once that item is removed
# max-percent: 85
import base64
import binascii


def paginate(items, cursor, limit):
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValueError("limit must be in 1..100")
    feed = sorted(items, key=lambda x: (-x["created_at"], -x["id"]))
    start = 0
    if cursor is not None:
        try:
            last_id = int(base64.b64decode(cursor, altchars=b"-_", validate=True).decode("ascii"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("bad cursor") from exc
        positions = [index for index, x in enumerate(feed) if x["id"] == last_id]
        if not positions:
            raise ValueError("cursor item no longer exists")
        start = positions[0] + 1
    page = feed[start : start + limit]
    if start + limit >= len(feed):
        return page, None
    return page, base64.urlsafe_b64encode(str(page[-1]["id"]).encode("ascii")).decode("ascii")
