# wrong: reads seq[mid] twice per step (once to compare, once to test equality): double the access budget
# max-percent: 35


def _key(key):
    return (lambda value: value) if key is None else key


def binary_search(seq, target, key=None):
    key = _key(key)
    lo, hi = 0, len(seq)
    found = None
    while lo < hi:
        mid = (lo + hi) // 2
        if key(seq[mid]) == target:
            found = mid
        if key(seq[mid]) < target:
            lo = mid + 1
        else:
            hi = mid
    return found


def _lower(seq, value, key, lo, hi):
    while lo < hi:
        mid = (lo + hi) // 2
        if key(seq[mid]) < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def bisect_range(seq, low, high, key=None):
    key = _key(key)
    n = len(seq)
    i = _lower(seq, low, key, 0, n)
    if high <= low:
        return (i, i)
    return (i, _lower(seq, high, key, i, n))
