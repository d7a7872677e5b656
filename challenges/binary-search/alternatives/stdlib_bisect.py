# alternative: delegates the halving to the standard library's bisect.bisect_left with key=
import bisect


def binary_search(seq, target, key=None):
    n = len(seq)
    index = bisect.bisect_left(seq, target, 0, n, key=key)
    if index == n:
        return None
    item = seq[index]
    found = item if key is None else key(item)
    return index if found == target else None


def bisect_range(seq, low, high, key=None):
    n = len(seq)
    start = bisect.bisect_left(seq, low, 0, n, key=key)
    if high <= low:
        return (start, start)
    return (start, bisect.bisect_left(seq, high, start, n, key=key))
