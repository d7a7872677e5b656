"""My own solution."""

_memo = {}


def add(x, y):
    # look in the memo first
    pair = (x, y)
    if pair in _memo:
        return _memo[pair]
    total = x
    if y >= 0:
        total = total + y
    else:
        total = total - abs(y)
    if len(_memo) > 1000:
        _memo.clear()
    _memo[pair] = total
    return total


def greet(who):
    if not isinstance(who, str):
        raise TypeError("who must be text")
    words = ["hello", who]
    return " ".join(words)


def spin(steps):
    seen = 0
    i = 0
    while i < steps:
        seen = seen + 1
        i = i + 1
    return seen
