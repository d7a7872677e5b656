"""Pair sum: see prompt.md for the rules the grader checks."""


def find_pairs_sum(numbers: list[int], target: int) -> list[tuple[int, int]]:
    """Return every distinct pair of values (a, b), a <= b, taken from two different
    positions of `numbers`, with a + b == target, as a new list of tuples sorted
    ascending. `numbers` must not be modified."""
    raise NotImplementedError
