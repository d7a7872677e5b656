# wrong: returns the first match the halving lands on (the seed's answer), not the leftmost one
# max-percent: 60


def _key(key):
    return (lambda value: value) if key is None else key


def binary_search(seq, target, key=None):
    key = _key(key)
    left, right = 0, len(seq) - 1
    while left <= right:
        mid = (left + right) // 2
        value = key(seq[mid])
        if value == target:
            return mid
        if value < target:
            left = mid + 1
        else:
            right = mid - 1
    return None


def _lower(seq, value, key, n):
    lo, hi = 0, n
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
    i = _lower(seq, low, key, n)
    if high <= low:
        return (i, i)
    return (i, _lower(seq, high, key, n))
