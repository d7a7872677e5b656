# alternative: recursive closed-interval search that records the best match so far instead of a lower bound
def _leftmost(seq, target, key, lo, hi, best):
    if lo > hi:
        return best
    mid = lo + (hi - lo) // 2
    value = key(seq[mid])
    if value == target:
        return _leftmost(seq, target, key, lo, mid - 1, mid)
    if value < target:
        return _leftmost(seq, target, key, mid + 1, hi, best)
    return _leftmost(seq, target, key, lo, mid - 1, best)


def _first_at_least(seq, bound, key, lo, hi):
    # answer in [lo, hi + 1]; every key before lo is < bound, every key after hi is >= bound
    if lo > hi:
        return lo
    mid = lo + (hi - lo) // 2
    if key(seq[mid]) >= bound:
        return _first_at_least(seq, bound, key, lo, mid - 1)
    return _first_at_least(seq, bound, key, mid + 1, hi)


def _identity(item):
    return item


def binary_search(seq, target, key=None):
    return _leftmost(seq, target, key or _identity, 0, len(seq) - 1, None)


def bisect_range(seq, low, high, key=None):
    key = key or _identity
    last = len(seq) - 1
    i = _first_at_least(seq, low, key, 0, last)
    j = i if high <= low else _first_at_least(seq, high, key, i, last)
    return (i, j)
