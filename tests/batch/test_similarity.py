"""Similarity: renamed near-copies are flagged, independent solutions and shared stub code are not."""

from __future__ import annotations

from grader.batch.similarity import (
    SIMILARITY_THRESHOLD,
    compare_all,
    fingerprint,
    fingerprint_file,
    normalise,
    score,
)
from tests.batch.factory import rename_locals, toy
from tests.conftest import TOY

STUB = {"solution.py": (TOY / "stub" / "solution.py").read_text()}


def test_normalisation_ignores_names_literals_comments_and_blank_lines() -> None:
    a = "def f(x):\n    # add one\n    return x + 1\n"
    b = "def g(value):\n\n    return value + 2  # two\n"
    assert [t.text for t in normalise(a)] == [t.text for t in normalise(b)]
    assert [t.text for t in normalise("len(x)")] == ["len", "(", "N", ")", ";"]


def test_broken_source_still_tokenises_up_to_the_error() -> None:
    assert normalise('x = 1\ny = "unterminated\n')
    assert fingerprint_file("a.py", "def f(:\n") == []


def test_near_copy_with_renamed_variables_is_flagged() -> None:
    pairs = compare_all(
        "toy-sum", {"frank": {"solution.py": toy("original")}, "grace": {"solution.py": toy("near_copy")}}, STUB
    )
    assert [(p.a, p.b) for p in pairs] == [("frank", "grace")]
    (pair,) = pairs
    assert pair.score >= 0.9
    region = pair.regions[0]
    assert (region.file_a, region.file_b) == ("solution.py", "solution.py")
    assert "def add(a, b):" in region.text_a and "def add(x, y):" in region.text_b


def test_generated_renaming_is_flagged_too() -> None:
    original = toy("original")
    pairs = compare_all("toy-sum", {"a": {"s.py": original}, "b": {"s.py": rename_locals(original)}}, STUB)
    assert len(pairs) == 1 and pairs[0].score >= SIMILARITY_THRESHOLD


def test_independent_correct_solutions_are_not_flagged() -> None:
    sources = {"frank": {"solution.py": toy("original")}, "heidi": {"solution.py": toy("independent")}}
    assert compare_all("toy-sum", sources, STUB) == []
    assert score(fingerprint("a", sources["frank"]), fingerprint("b", sources["heidi"])) < 0.2


def test_stub_code_does_not_count() -> None:
    """Two candidates who add the same short body to a long shared stub are not similar."""
    stub_body = toy("original")  # a long given module; the candidates add one small function each
    stub = {"solution.py": stub_body}
    a = {"solution.py": stub_body + "\ndef total(a, b):\n    return a + b\n"}
    b = {"solution.py": stub_body + "\ndef total(values):\n    return sum(values)\n"}
    assert compare_all("c", {"a": a, "b": b}, {}) != []
    assert compare_all("c", {"a": a, "b": b}, stub) == []


def test_short_submissions_are_not_compared() -> None:
    same = {"solution.py": toy("correct")}
    assert compare_all("toy-sum", {"a": same, "b": same}, STUB) == []
