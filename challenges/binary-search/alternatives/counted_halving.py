# alternative: std::lower_bound style (a base and a shrinking count) that remembers the last key read
def _lower_bound(seq, value, key, first, count):
    """Returns (index, key at index or None when that key was not read)."""
    seen = None
    while count > 0:
        step = count // 2
        probe = first + step
        current = key(seq[probe])
        if current < value:
            first = probe + 1
            count -= step + 1
        else:
            seen = (probe, current)
            count = step
    if seen is not None and seen[0] == first:
        return first, seen[1]
    return first, None


def binary_search(seq, target, key=None):
    if key is None:
        key = lambda item: item  # noqa: E731
    n = len(seq)
    index, found = _lower_bound(seq, target, key, 0, n)
    if index == n:
        return None
    if found is None:
        found = key(seq[index])
    return index if found == target else None


def bisect_range(seq, low, high, key=None):
    if key is None:
        key = lambda item: item  # noqa: E731
    n = len(seq)
    start, _ = _lower_bound(seq, low, key, 0, n)
    if not low < high:
        return start, start
    stop, _ = _lower_bound(seq, high, key, start, n - start)
    return start, stop
