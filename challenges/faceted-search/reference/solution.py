"""Reference: one pass per item records which active filters it fails; facet F counts the
items that match the query and fail no filter other than F's own."""


def _values(value):
    """The distinct values a field holds: a str is one value, a list its distinct elements."""
    return set(value) if isinstance(value, list) else {value}


def search(items: list[dict], query: str, filters: dict[str, set[str]], facets: list[str]) -> dict:
    terms = [term.casefold() for term in query.split()]
    active = {field: selected for field, selected in filters.items() if selected}
    wanted = list(dict.fromkeys(facets))  # distinct, first-seen order
    hits = []
    counts = {field: {} for field in wanted}
    for item in items:
        title = item["title"].casefold()
        if not all(term in title for term in terms):
            continue
        failed = [
            field
            for field, selected in active.items()
            if field not in item or _values(item[field]).isdisjoint(selected)
        ]
        if not failed:
            hits.append(item["id"])
        if len(failed) > 1:
            continue
        for field in wanted:
            if failed and failed[0] != field:
                continue
            if field in item:
                tally = counts[field]
                for value in _values(item[field]):
                    tally[value] = tally.get(value, 0) + 1
    hits.sort()
    return {"hits": hits, "facets": counts}
