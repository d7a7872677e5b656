"""Pairwise similarity of submissions, in the style of MOSS (winnowing over normalised tokens).

Normalisation (Python's `tokenize`): comments, blank lines and whitespace go; identifiers that
are not keywords or builtins become one placeholder, so renaming variables, functions,
attributes or classes changes nothing; numbers and strings become one placeholder per kind.
Indentation and line breaks stay, as structure.

Each file is cut into k-grams of K tokens, hashed, and winnowed (the minimum hash of every
window of W consecutive k-grams is kept): any shared run of at least K + W - 1 tokens is
guaranteed to be seen. The score of a pair is the Jaccard index of their fingerprint sets,
after removing every fingerprint that also occurs in the challenge's stub (code the candidates
were given does not count as copying).

Threshold: pairs scoring >= SIMILARITY_THRESHOLD (0.5) are listed. Near-copies with renamed
variables score near 1.0; independently written solutions of the same small problem share
boilerplate (a loop, a dict lookup) and measured 0.0-0.25 on our fixtures and the bank's
alternative solutions. Submissions with fewer than MIN_FINGERPRINTS fingerprints beyond the
stub are too short to tell copying from coincidence and are not compared.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import keyword
import token
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

K = 12
W = 6
SIMILARITY_THRESHOLD = 0.5
MIN_FINGERPRINTS = 15
MAX_REGIONS = 12
MAX_REGION_LINES = 60

_KEEP_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_SKIPPED = frozenset({token.COMMENT, token.NL, token.ENCODING, token.ENDMARKER, token.TYPE_COMMENT})


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    line: int


@dataclass(frozen=True, slots=True)
class Fingerprint:
    hash: int
    file: str
    first_line: int
    last_line: int


@dataclass(frozen=True, slots=True)
class Document:
    """One candidate's submission for one challenge, fingerprinted."""

    owner: str
    sources: Mapping[str, str]
    fingerprints: tuple[Fingerprint, ...]

    @property
    def hashes(self) -> frozenset[int]:
        return frozenset(fp.hash for fp in self.fingerprints)


@dataclass(frozen=True, slots=True)
class Region:
    """A matching stretch: lines of A's file against lines of B's file (1-based, inclusive)."""

    file_a: str
    first_a: int
    last_a: int
    file_b: str
    first_b: int
    last_b: int
    text_a: str
    text_b: str


@dataclass(frozen=True, slots=True)
class SimilarPair:
    challenge: str
    a: str
    b: str
    score: float
    shared: int
    regions: tuple[Region, ...]


def normalise(source: str) -> list[Token]:
    """The token stream that fingerprints are taken over; stops quietly at a tokenize error."""
    tokens: list[Token] = []
    reader = io.StringIO(source).readline
    try:
        for tok in tokenize.generate_tokens(reader):
            if tok.type in _SKIPPED:
                continue
            if tok.type == token.NAME:
                text = tok.string if tok.string in _KEEP_NAMES else "N"
            elif tok.type == token.NUMBER:
                text = "0"
            elif tok.type == token.STRING:
                text = "S"
            elif tok.type == token.NEWLINE:
                text = ";"
            elif tok.type == token.INDENT:
                text = ">"
            elif tok.type == token.DEDENT:
                text = "<"
            else:
                text = tok.string
            tokens.append(Token(text, tok.start[0]))
    except (tokenize.TokenError, SyntaxError):
        pass  # a broken file still has comparable tokens up to the error
    return tokens


def _hash(texts: Iterable[str]) -> int:
    return int.from_bytes(hashlib.blake2b("\x1f".join(texts).encode(), digest_size=8).digest(), "big")


def fingerprint_file(name: str, source: str, k: int = K, w: int = W) -> list[Fingerprint]:
    """Winnowed fingerprints of one file (robust winnowing: rightmost minimum of each window)."""
    tokens = normalise(source)
    if len(tokens) < k:
        return []
    grams = [
        Fingerprint(_hash(t.text for t in tokens[i : i + k]), name, tokens[i].line, tokens[i + k - 1].line)
        for i in range(len(tokens) - k + 1)
    ]
    if len(grams) <= w:
        return [min(grams, key=lambda g: g.hash)]
    chosen: list[Fingerprint] = []
    last_index = -1
    for start in range(len(grams) - w + 1):
        window = grams[start : start + w]
        best = min(range(w), key=lambda i: (window[i].hash, -i))
        index = start + best
        if index != last_index:
            chosen.append(grams[index])
            last_index = index
    return chosen


def fingerprint(owner: str, sources: Mapping[str, str]) -> Document:
    prints: list[Fingerprint] = []
    for name in sorted(sources):
        prints += fingerprint_file(name, sources[name])
    return Document(owner, dict(sources), tuple(prints))


def without(document: Document, excluded: frozenset[int]) -> Document:
    kept = tuple(fp for fp in document.fingerprints if fp.hash not in excluded)
    return Document(document.owner, document.sources, kept)


def score(a: Document, b: Document) -> float:
    """Jaccard index of the two fingerprint sets (0 when either is empty)."""
    ha, hb = a.hashes, b.hashes
    union = ha | hb
    return len(ha & hb) / len(union) if union else 0.0


@dataclass(frozen=True, slots=True)
class _Span:
    file_a: str
    first_a: int
    last_a: int
    file_b: str
    first_b: int
    last_b: int
    count: int = 1

    def extends(self, a: Fingerprint, b: Fingerprint) -> bool:
        """True when the match (a, b) continues this span in both files."""
        return (
            self.file_a == a.file
            and self.file_b == b.file
            and a.first_line <= self.last_a + 1
            and b.first_line <= self.last_b + 1
            and b.last_line >= self.first_b - 1
        )


def matching_regions(a: Document, b: Document, limit: int = MAX_REGIONS) -> tuple[Region, ...]:
    """Shared fingerprints merged into line ranges; the `limit` largest, in A's order."""
    shared = a.hashes & b.hashes
    first_in_b: dict[int, Fingerprint] = {}
    for fp in b.fingerprints:
        if fp.hash in shared:
            first_in_b.setdefault(fp.hash, fp)
    spans: list[_Span] = []
    for fp in a.fingerprints:
        if fp.hash not in shared:
            continue
        other = first_in_b[fp.hash]
        if spans and spans[-1].extends(fp, other):
            last = spans[-1]
            spans[-1] = replace(
                last,
                last_a=max(last.last_a, fp.last_line),
                first_b=min(last.first_b, other.first_line),
                last_b=max(last.last_b, other.last_line),
                count=last.count + 1,
            )
        else:
            spans.append(_Span(fp.file, fp.first_line, fp.last_line, other.file, other.first_line, other.last_line))
    largest = sorted(spans, key=lambda s: -s.count)[:limit]
    regions = [
        Region(
            s.file_a,
            s.first_a,
            s.last_a,
            s.file_b,
            s.first_b,
            s.last_b,
            _lines(a.sources[s.file_a], s.first_a, s.last_a),
            _lines(b.sources[s.file_b], s.first_b, s.last_b),
        )
        for s in largest
    ]
    return tuple(sorted(regions, key=lambda r: (r.file_a, r.first_a)))


def _lines(source: str, first: int, last: int) -> str:
    lines = source.splitlines()[first - 1 : last]
    if len(lines) > MAX_REGION_LINES:
        lines = [*lines[:MAX_REGION_LINES], "..."]
    return "\n".join(lines)


def compare_all(
    challenge: str,
    submissions: Mapping[str, Mapping[str, str]],
    stub: Mapping[str, str],
    threshold: float = SIMILARITY_THRESHOLD,
) -> list[SimilarPair]:
    """Every pair of submissions (owner -> {file: source}) scoring at or above `threshold`, best first."""
    stub_hashes = fingerprint("<stub>", stub).hashes
    documents = [without(fingerprint(owner, files), stub_hashes) for owner, files in sorted(submissions.items())]
    documents = [d for d in documents if len(d.hashes) >= MIN_FINGERPRINTS]
    pairs = []
    for index, a in enumerate(documents):
        for b in documents[index + 1 :]:
            value = score(a, b)
            if value >= threshold:
                shared = len(a.hashes & b.hashes)
                pairs.append(SimilarPair(challenge, a.owner, b.owner, value, shared, matching_regions(a, b)))
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return pairs


def python_sources(files: Mapping[str, bytes], skip: Sequence[str] = ("tests/",)) -> dict[str, str]:
    """The .py files worth comparing: a candidate's copy of the visible tests is given code too."""
    return {
        path: content.decode("utf-8", errors="replace")
        for path, content in sorted(files.items())
        if path.endswith(".py") and not path.startswith(tuple(skip))
    }
