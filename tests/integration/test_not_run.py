"""A test that never ran never scores: only what the harness saw pass counts."""

from __future__ import annotations

from grader.api import SandboxChoice, grade_files
from grader.challenges import Challenge
from grader.models import Outcome
from tests.conftest import outcomes

BROKEN_FIRST = (
    b"def add(a, b):\n    return a - b\n\ndef greet(n):\n    return 'hello ' + n\n\ndef spin(n):\n    return n\n"
)


def test_tests_after_a_stop_are_errors_not_passes(toy: Challenge) -> None:
    result = grade_files({"solution.py": BROKEN_FIRST}, toy, SandboxChoice("local"), pytest_args=("-x",))
    seen = outcomes(result)
    assert seen["test_add_small"] == "failed"
    not_run = [t for t in result.tests if t.message.startswith("not run")]
    assert not_run and all(t.outcome is Outcome.ERROR for t in not_run)
    assert result.score == 0


def test_deselected_tests_are_not_part_of_the_result(toy: Challenge) -> None:
    result = grade_files({"solution.py": BROKEN_FIRST}, toy, SandboxChoice("local"), pytest_args=("-k", "greet"))
    assert list(outcomes(result)) == ["test_greet"]
    assert (result.score, result.max_score) == (1, 1)
