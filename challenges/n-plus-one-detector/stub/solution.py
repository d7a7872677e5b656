"""N+1 query detector: see prompt.md for the rules the grader checks."""


def normalize_sql(sql: str) -> str:
    """Return the shape of `sql`: literals replaced by `?`, whitespace collapsed, IN lists folded."""
    raise NotImplementedError


def detect_n_plus_one(queries, threshold: int = 3) -> list[tuple[str, int]]:
    """Return `(pattern, count)` for every normalised pattern seen at least `threshold` times.

    `queries` is an iterable of SQL strings or of dicts with an "sql" key.
    Sorted by count descending, then pattern ascending. ValueError if threshold < 2.
    """
    raise NotImplementedError
