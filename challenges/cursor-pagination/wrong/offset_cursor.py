# wrong: the cursor encodes an offset into the sorted list, so items inserted on top shift the next page
# max-percent: 56
import base64
import binascii


def paginate(items, cursor, limit):
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValueError("limit must be in 1..100")
    offset = 0
    if cursor is not None:
        try:
            offset = int(base64.b64decode(cursor, altchars=b"-_", validate=True).decode("ascii"))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValueError("bad cursor") from exc
        if offset < 0:
            raise ValueError("bad cursor")
    feed = sorted(items, key=lambda x: (x["created_at"], x["id"]), reverse=True)
    page = feed[offset : offset + limit]
    end = offset + len(page)
    if end >= len(feed):
        return page, None
    return page, base64.urlsafe_b64encode(str(end).encode("ascii")).decode("ascii")
