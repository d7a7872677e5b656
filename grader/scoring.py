"""Pure scoring: test verdicts in, points out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from grader.models import Outcome, TestResult


@dataclass(frozen=True, slots=True)
class Score:
    points: float
    max_points: float

    @property
    def percent(self) -> float:
        if self.max_points <= 0:
            return 0.0
        return round(100.0 * self.points / self.max_points, 2)


def compute_score(tests: Iterable[TestResult]) -> Score:
    """Sum of the weights of passed tests over the sum of all weights.

    A test scores all of its weight or nothing: partial credit comes from the
    number of tests passed, never from inside one test.
    """
    points = 0.0
    max_points = 0.0
    for test in tests:
        max_points += test.weight
        if test.outcome is Outcome.PASSED:
            points += test.weight
    return Score(round(points, 6), round(max_points, 6))
