# wrong: equal counts keep first-seen order (Counter.most_common) instead of pattern order
# max-percent: 90
import re
from collections import Counter

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<!\w)[0-9]+(?:\.[0-9]+)?(?!\w)")
_IDENTIFIER = re.compile(r'("[^"]*")')
_WHITESPACE = re.compile(r"\s+")
_IN_LIST = re.compile(r"\b(in)( ?)\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)


def normalize_sql(sql: str) -> str:
    sql = _STRING.sub("?", sql)
    sql = _NUMBER.sub("?", sql)
    parts = _IDENTIFIER.split(sql)  # odd indexes are the double-quoted identifiers
    for index in range(0, len(parts), 2):
        parts[index] = _WHITESPACE.sub(" ", parts[index])
    sql = "".join(parts).strip()
    return _IN_LIST.sub(r"\1\2(?)", sql)


def detect_n_plus_one(queries, threshold: int = 3) -> list[tuple[str, int]]:
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    counts = Counter(
        normalize_sql(query["sql"] if isinstance(query, dict) else query) for query in queries
    )
    return [(pattern, count) for pattern, count in counts.most_common() if count >= threshold]
