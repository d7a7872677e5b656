# wrong: bisect_range's j is the first index with key > high (a closed range), not >= high
# max-percent: 80


def _key(key):
    return (lambda value: value) if key is None else key


def _bound(seq, value, key, lo, hi, strict):
    while lo < hi:
        mid = (lo + hi) // 2
        item = key(seq[mid])
        if item < value or (strict and item == value):
            lo = mid + 1
        else:
            hi = mid
    return lo


def binary_search(seq, target, key=None):
    key = _key(key)
    n = len(seq)
    i = _bound(seq, target, key, 0, n, False)
    if i < n and key(seq[i]) == target:
        return i
    return None


def bisect_range(seq, low, high, key=None):
    key = _key(key)
    n = len(seq)
    i = _bound(seq, low, key, 0, n, False)
    if high <= low:
        return (i, i)
    return (i, _bound(seq, high, key, i, n, True))
