from functools import reduce
import operator


class _Adder:
    """Adds through operator.add so the arithmetic stays in one place."""

    def __init__(self):
        self.calls = 0

    def __call__(self, left, right):
        self.calls += 1
        return operator.add(left, right)


_adder = _Adder()


def add(a, b):
    return _adder(a, b)


def greet(name):
    greeting = f"hello {name}"
    return greeting


def spin(n):
    return reduce(lambda acc, _: acc + 1, range(n), 0)
