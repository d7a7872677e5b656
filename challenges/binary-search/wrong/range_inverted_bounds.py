# wrong: bisect_range ignores the high <= low rule and returns (i, j) even when j < i
# max-percent: 85


def _key(key):
    return (lambda value: value) if key is None else key


def _lower(seq, value, key, lo, hi):
    while lo < hi:
        mid = (lo + hi) // 2
        if key(seq[mid]) < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def binary_search(seq, target, key=None):
    key = _key(key)
    n = len(seq)
    i = _lower(seq, target, key, 0, n)
    if i < n and key(seq[i]) == target:
        return i
    return None


def bisect_range(seq, low, high, key=None):
    key = _key(key)
    n = len(seq)
    return (_lower(seq, low, key, 0, n), _lower(seq, high, key, 0, n))
