"""A call past the per-call limit is reported with the number the hand-out states, from challenge.toml."""

from __future__ import annotations

from pathlib import Path

from grader.challenges import Challenge
from grader.handout import write_handout
from grader.models import Outcome
from tests.conftest import GradeSource

SPINS = """
def add(a, b):
    return a + b

def greet(name):
    return f"hello {name}"

def spin(n):
    while True:
        pass
"""


def test_the_report_and_the_handout_state_the_same_per_call_limit(
    grade_source: GradeSource, toy: Challenge, tmp_path: Path
) -> None:
    result = grade_source(SPINS)
    (spun,) = [test for test in result.tests if test.id.endswith("test_spin")]
    stated = f"{toy.limits.call_seconds:g} s"
    assert spun.outcome is Outcome.TIMEOUT
    assert spun.message == f"time limit exceeded ({stated} per call)"
    write_handout(toy, tmp_path / "handout")
    assert f"- {stated} for any one call into your code" in (tmp_path / "handout" / "prompt.md").read_text()
