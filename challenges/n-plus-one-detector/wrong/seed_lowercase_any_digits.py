# wrong: the seed's idea of a normaliser: lower-cases everything and replaces every digit run, strings untouched
# max-percent: 15
import re
from collections import Counter


def normalize_sql(sql):
    sql = re.sub(r"\d+", "?", sql.lower())
    return " ".join(sql.split())


def detect_n_plus_one(queries, threshold=3):
    if threshold < 2:
        raise ValueError("threshold must be at least 2")
    seen = Counter()
    for query in queries:
        seen[normalize_sql(query["sql"] if isinstance(query, dict) else query)] += 1
    return sorted(((p, c) for p, c in seen.items() if c >= threshold), key=lambda item: (-item[1], item[0]))
