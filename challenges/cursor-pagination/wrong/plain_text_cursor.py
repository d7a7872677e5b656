# wrong: the cursor is readable text "created_at:id", not restricted to the URL-safe alphabet (has '.' and ':')
# max-percent: 50
import math


def paginate(items, cursor, limit):
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise ValueError("limit must be in 1..100")
    feed = sorted(items, key=lambda x: (-x["created_at"], -x["id"]))
    if cursor is not None:
        try:
            created_text, id_text = cursor.split(":")
            created_at, item_id = float(created_text), int(id_text)
        except (AttributeError, ValueError) as exc:
            raise ValueError("bad cursor") from exc
        if not math.isfinite(created_at):
            raise ValueError("bad cursor")
        feed = [x for x in feed if (-x["created_at"], -x["id"]) > (-created_at, -item_id)]
    page = feed[:limit]
    if len(feed) <= limit:
        return page, None
    last = page[-1]
    return page, f"{last['created_at']!r}:{last['id']}"
