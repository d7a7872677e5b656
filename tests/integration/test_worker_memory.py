"""Peak memory of a call, counted by the kernel outside the test's process."""

from __future__ import annotations

import dataclasses

import pytest

from grader.challenges import Challenge
from grader.models import Outcome
from tests.conftest import GradeSource, outcomes

HOLD = """
def hold(mb):
    block = b"x" * (mb * 1024 * 1024)
    return len(block)
"""

# The same, after resetting the counters a process can reach itself (/proc/self/clear_refs).
HOLD_AND_RESET = HOLD.replace(
    "    return len(block)",
    '    size = len(block)\n    del block\n    open("/proc/self/clear_refs", "w").write("5")\n    return size',
)


def memory_suite(toy: Challenge) -> Challenge:
    return dataclasses.replace(toy, hidden_dir=toy.root / "tests" / "memory")


@pytest.mark.parametrize("sandbox", ["local", pytest.param("docker", marks=pytest.mark.docker)])
def test_growth_during_a_call_is_measured(grade_source: GradeSource, toy: Challenge, sandbox: str) -> None:
    result = grade_source(HOLD, challenge=memory_suite(toy), sandbox=sandbox)
    assert set(outcomes(result).values()) == {Outcome.PASSED.value}, result.tests


@pytest.mark.docker
def test_a_process_resetting_its_own_counters_changes_nothing_in_docker(
    grade_source: GradeSource, toy: Challenge
) -> None:
    result = grade_source(HOLD_AND_RESET, challenge=memory_suite(toy), sandbox="docker")
    assert set(outcomes(result).values()) == {Outcome.PASSED.value}, result.tests
