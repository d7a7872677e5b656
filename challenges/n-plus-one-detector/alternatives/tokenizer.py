# alternative: one combined tokenizing regex for literals, identifiers and whitespace; IN lists folded by a callback
import re
from collections import Counter

_TOKEN = re.compile(
    r"""(?P<string>'(?:[^']|'')*')"""
    r"""|(?P<ident>"[^"]*")"""
    r"""|(?P<number>(?<!\w)[0-9]+(?:\.[0-9]+)?(?!\w))"""
    r"""|(?P<space>\s+)"""
)
_INNER_NUMBER = re.compile(r"(?<!\w)[0-9]+(?:\.[0-9]+)?(?!\w)")
_IN = re.compile(r"(?<!\w)(?i:in) ?\( ?\? ?(?:, ?\? ?)*\)")


def _replace(match):
    kind = match.lastgroup
    if kind == "ident":
        # numeric literals are replaced before identifiers are copied, so they apply inside too
        return _INNER_NUMBER.sub("?", match.group())
    if kind == "space":
        return " "
    return "?"


def _fold(match):
    text = match.group()
    return text[: text.index("(")] + "(?)"


def normalize_sql(sql):
    text = _TOKEN.sub(_replace, sql).strip(" ")
    return _IN.sub(_fold, text)


def detect_n_plus_one(queries, threshold=3):
    if threshold < 2:
        raise ValueError("threshold must be 2 or more")
    counter = Counter()
    for query in queries:
        counter[normalize_sql(query["sql"] if isinstance(query, dict) else query)] += 1
    return sorted(
        ((pattern, count) for pattern, count in counter.items() if count >= threshold),
        key=lambda pair: (-pair[1], pair[0]),
    )
