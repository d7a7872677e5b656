"""Binary search with an access budget: see prompt.md for the rules the grader checks."""


def binary_search(seq, target, key=None) -> int | None:
    """Smallest index i with key(seq[i]) == target, or None.

    Calls len(seq) once and makes at most ceil(log2(n)) + 2 item accesses.
    """
    raise NotImplementedError


def bisect_range(seq, low, high, key=None) -> tuple[int, int]:
    """(first index with key >= low, first index with key >= high), or (i, i) when high <= low.

    Calls len(seq) once and makes at most 2 * (ceil(log2(n)) + 2) item accesses.
    """
    raise NotImplementedError
