"""Reference: a half-open lower-bound search shared by both functions."""


def _identity(value):
    return value


def _lower_bound(seq, value, key, lo, hi):
    """First index in [lo, hi) whose key is >= value (hi when none); one access per halving."""
    while lo < hi:
        mid = (lo + hi) // 2
        if key(seq[mid]) < value:
            lo = mid + 1
        else:
            hi = mid
    return lo


def binary_search(seq, target, key=None) -> int | None:
    key = _identity if key is None else key
    n = len(seq)
    index = _lower_bound(seq, target, key, 0, n)
    if index < n and key(seq[index]) == target:
        return index
    return None


def bisect_range(seq, low, high, key=None) -> tuple[int, int]:
    key = _identity if key is None else key
    n = len(seq)
    start = _lower_bound(seq, low, key, 0, n)
    if high <= low:
        return (start, start)
    return (start, _lower_bound(seq, high, key, start, n))
