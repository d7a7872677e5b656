# alternative: one bitmask of failed filters per item and collections.Counter; facet F counts items whose mask is 0 or only F's bit
import re
from collections import Counter

_SPACE = re.compile(r"\s+")


def search(items, query, filters, facets):
    terms = [t.casefold() for t in _SPACE.split(query) if t]
    active = [(f, frozenset(chosen)) for f, chosen in filters.items() if chosen]
    bit = {f: 1 << n for n, (f, _) in enumerate(active)}
    survivors = []  # (item, mask of failed filters)
    for item in items:
        folded = item["title"].casefold()
        if any(t not in folded for t in terms):
            continue
        mask = 0
        for f, chosen in active:
            value = item.get(f)
            values = value if isinstance(value, list) else ([] if value is None else [value])
            if not chosen.intersection(values):
                mask |= bit[f]
        survivors.append((item, mask))
    facet_counts = {}
    for f in facets:
        allowed = {0, bit.get(f, 0)}
        counter = Counter()
        for item, mask in survivors:
            if mask in allowed and f in item:
                value = item[f]
                counter.update(set(value) if isinstance(value, list) else [value])
        facet_counts[f] = dict(+counter)
    return {"hits": sorted(item["id"] for item, mask in survivors if mask == 0), "facets": facet_counts}
