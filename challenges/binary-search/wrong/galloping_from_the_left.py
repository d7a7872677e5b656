# wrong: exponential (galloping) search from index 0 then halving: up to about 2*log2(n) accesses
# max-percent: 25


def _key(key):
    return (lambda value: value) if key is None else key


def _lower(seq, value, key, n):
    if n == 0:
        return 0
    bound = 1
    while bound < n and key(seq[bound - 1]) < value:
        bound *= 2
    lo, hi = bound // 2, min(bound, n)
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
    i = _lower(seq, target, key, n)
    if i < n and key(seq[i]) == target:
        return i
    return None


def bisect_range(seq, low, high, key=None):
    key = _key(key)
    n = len(seq)
    i = _lower(seq, low, key, n)
    if high <= low:
        return (i, i)
    return (i, _lower(seq, high, key, n))
