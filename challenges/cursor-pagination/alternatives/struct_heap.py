# alternative: binary cursor (struct-packed double + int64, unpadded base64url), heapq.nsmallest after it
import base64
import binascii
import heapq
import math
import re
import struct

_PACK = struct.Struct(">dq")
_VALID = re.compile(r"[A-Za-z0-9_-]{22}")


def _key(item):
    return (-item["created_at"], -item["id"])


def _cursor_for(item):
    raw = _PACK.pack(item["created_at"], item["id"])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _position(cursor):
    if type(cursor) is not str or not _VALID.fullmatch(cursor):
        raise ValueError("invalid cursor")
    try:
        created_at, item_id = _PACK.unpack(base64.urlsafe_b64decode(cursor + "=="))
    except (binascii.Error, struct.error) as exc:
        raise ValueError("invalid cursor") from exc
    if not math.isfinite(created_at):
        raise ValueError("invalid cursor")
    return (-created_at, -item_id)


def paginate(items, cursor, limit):
    if type(limit) is not int or limit < 1 or limit > 100:
        raise ValueError("limit must be between 1 and 100")
    candidates = items
    if cursor is not None:
        after = _position(cursor)
        candidates = [item for item in items if _key(item) > after]
    # one extra item tells whether anything follows the page
    window = heapq.nsmallest(limit + 1, candidates, key=_key)
    page = window[:limit]
    return page, (_cursor_for(page[-1]) if len(window) > limit else None)
