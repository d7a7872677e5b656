"""The harness does not inherit the caller's environment: a grade is the same from any shell."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import load_challenge
from tests.conftest import TOY, GradeSource

SEQUENCE_TEST = """
def test_sequence(submission):
    assert [submission.spin(i) for i in range(60)] == list(range(60))
"""

SPIN_WRONG_AT_40 = """
    def add(a, b):
        return a + b

    def greet(name):
        return "hello " + name

    def spin(n):
        return n + (n == 40)
"""


def _message(grade_source: GradeSource, tmp_path: Path) -> str:
    root = tmp_path / "toy-sum"
    if not root.exists():
        shutil.copytree(TOY, root)
        (root / "tests" / "hidden" / "test_sequence.py").write_text(SEQUENCE_TEST)
    result = grade_source(SPIN_WRONG_AT_40, challenge=load_challenge(root))
    return next(t.message for t in result.tests if t.id.endswith("test_sequence"))


def test_ci_variables_do_not_reach_the_suite(
    grade_source: GradeSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With CI set, pytest diffs whole sequences (quadratic on long lists: a wrong pair-sum ran
    # past its 300 s limit in CI) and hypothesis loads its CI profile.
    for name in ("CI", "BUILD_NUMBER", "GITHUB_ACTIONS", "PYTEST_ADDOPTS", "HYPOTHESIS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    plain = _message(grade_source, tmp_path)
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("BUILD_NUMBER", "7")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-vv")
    assert _message(grade_source, tmp_path) == plain
    assert "Full diff" not in plain
