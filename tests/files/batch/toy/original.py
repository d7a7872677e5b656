"""Addition with a small memo table, greetings with validation, and a counting loop."""

_CACHE = {}


def add(a, b):
    key = (a, b)
    if key in _CACHE:
        return _CACHE[key]
    result = a
    if b >= 0:
        result = result + b
    else:
        result = result - abs(b)
    if len(_CACHE) > 1000:
        _CACHE.clear()
    _CACHE[key] = result
    return result


def greet(name):
    if not isinstance(name, str):
        raise TypeError("name must be a string")
    parts = ["hello", name]
    return " ".join(parts)


def spin(n):
    count = 0
    index = 0
    while index < n:
        count = count + 1
        index = index + 1
    return count
