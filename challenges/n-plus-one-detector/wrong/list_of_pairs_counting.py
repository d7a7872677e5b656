# wrong: correct answers, but counts with a list of [pattern, count] pairs searched linearly (O(queries x patterns))
# max-percent: 95
import re

_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<!\w)[0-9]+(?:\.[0-9]+)?(?!\w)")
_IDENTIFIER = re.compile(r'("[^"]*")')
_WHITESPACE = re.compile(r"\s+")
_IN_LIST = re.compile(r"\b(in)( ?)\(\s*\?(?:\s*,\s*\?)*\s*\)", re.IGNORECASE)


def normalize_sql(sql):
    sql = _NUMBER.sub("?", _STRING.sub("?", sql))
    parts = _IDENTIFIER.split(sql)
    for index in range(0, len(parts), 2):
        parts[index] = _WHITESPACE.sub(" ", parts[index])
    return _IN_LIST.sub(r"\1\2(?)", "".join(parts).strip())


def detect_n_plus_one(queries, threshold=3):
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    pairs = []
    for query in queries:
        pattern = normalize_sql(query["sql"] if isinstance(query, dict) else query)
        for pair in pairs:
            if pair[0] == pattern:
                pair[1] += 1
                break
        else:
            pairs.append([pattern, 1])
    pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    return [(pattern, count) for pattern, count in pairs if count >= threshold]
