# alternative: builds an inverted index (field -> value -> ids) and combines id sets with set algebra
from collections import defaultdict


def search(items, query, filters, facets):
    by_id = {item["id"]: item for item in items}
    terms = [term.casefold() for term in query.split()]
    text_ids = {i for i, item in by_id.items() if all(t in item["title"].casefold() for t in terms)}

    fields = {f for f, chosen in filters.items() if chosen} | set(facets)
    index = {f: defaultdict(set) for f in fields}
    for i, item in by_id.items():
        for f in fields:
            if f in item:
                raw = item[f]
                for value in raw if isinstance(raw, list) else [raw]:
                    index[f][value].add(i)

    passing = {}
    for f, chosen in filters.items():
        if chosen:
            ids = set()
            for value in chosen:
                ids |= index[f].get(value, set())
            passing[f] = ids

    def matching(skip=None):
        result = set(text_ids)
        for f, ids in passing.items():
            if f != skip:
                result &= ids
        return result

    out = {}
    for f in facets:
        if f in out:
            continue
        base = matching(skip=f)
        counts = {value: len(ids & base) for value, ids in index[f].items()}
        out[f] = {value: n for value, n in counts.items() if n}
    return {"hits": sorted(matching()), "facets": out}
