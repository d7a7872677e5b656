# wrong: compares with str.lower() instead of str.casefold() ("STRASSE" does not find "Straße")
# max-percent: 95


def _passes(item, field, selected):
    if field not in item:
        return False
    value = item[field]
    if isinstance(value, list):
        return any(v in selected for v in value)
    return value in selected


def _text_ok(item, terms):
    title = item["title"].lower()
    return all(t in title for t in terms)


def search(items, query, filters, facets):
    terms = [t.lower() for t in query.split()]
    active = {f: s for f, s in filters.items() if s}

    def ok(item, skip=None):
        return _text_ok(item, terms) and all(_passes(item, f, s) for f, s in active.items() if f != skip)

    hits = sorted(item["id"] for item in items if ok(item))
    result = {}
    for field in facets:
        counts = {}
        for item in items:
            if field in item and ok(item, skip=field):
                value = item[field]
                for v in set(value) if isinstance(value, list) else {value}:
                    counts[v] = counts.get(v, 0) + 1
        result[field] = counts
    return {"hits": hits, "facets": result}
