# wrong: closed-interval loop written `while left < right`: the last remaining candidate is never read
# max-percent: 40


def _key(key):
    return (lambda value: value) if key is None else key


def binary_search(seq, target, key=None):
    key = _key(key)
    left, right = 0, len(seq) - 1
    found = None
    while left < right:
        mid = (left + right) // 2
        value = key(seq[mid])
        if value == target:
            found = mid
            right = mid - 1
        elif value < target:
            left = mid + 1
        else:
            right = mid - 1
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
