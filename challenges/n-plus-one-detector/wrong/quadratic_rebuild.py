# wrong: correct answers, but every replaced literal rebuilds the whole string (quadratic in the query length)
# max-percent: 95
import re
from collections import Counter

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<!\w)[0-9]+(?:\.[0-9]+)?(?!\w)")
_IDENTIFIER = re.compile(r'("[^"]*")')
_WHITESPACE = re.compile(r"\s+")
_IN_LIST = re.compile(r"\b(in)( ?)\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)


def _replace_each(pattern, sql):
    position = 0
    while True:
        match = pattern.search(sql, position)
        if match is None:
            return sql
        sql = sql[: match.start()] + "?" + sql[match.end():]
        position = match.start() + 1


def normalize_sql(sql):
    sql = _replace_each(_STRING, sql)
    sql = _replace_each(_NUMBER, sql)
    parts = _IDENTIFIER.split(sql)
    for index in range(0, len(parts), 2):
        parts[index] = _WHITESPACE.sub(" ", parts[index])
    sql = "".join(parts).strip()
    return _IN_LIST.sub(r"\1\2(?)", sql)


def detect_n_plus_one(queries, threshold=3):
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    counts = Counter(normalize_sql(q["sql"] if isinstance(q, dict) else q) for q in queries)
    return sorted(((p, c) for p, c in counts.items() if c >= threshold), key=lambda item: (-item[1], item[0]))
