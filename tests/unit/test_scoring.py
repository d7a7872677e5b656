from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.models import Outcome, TestResult
from grader.scoring import compute_score

tests_strategy = st.lists(
    st.builds(
        TestResult,
        id=st.text(min_size=1, max_size=5),
        outcome=st.sampled_from(Outcome),
        weight=st.integers(1, 10).map(float),
    ),
    max_size=30,
)


@given(tests_strategy)
def test_score_is_the_weight_of_passed_tests(tests: list[TestResult]) -> None:
    score = compute_score(tests)
    assert score.max_points == sum(t.weight for t in tests)
    assert score.points == sum(t.weight for t in tests if t.outcome is Outcome.PASSED)
    assert 0 <= score.percent <= 100


@given(tests_strategy)
def test_only_passing_everything_gives_full_marks(tests: list[TestResult]) -> None:
    score = compute_score(tests)
    all_passed = all(t.outcome is Outcome.PASSED for t in tests)
    assert (score.percent == 100) == (all_passed and bool(tests))


def test_weighted_example() -> None:
    tests = [
        TestResult("a", Outcome.PASSED, weight=3),
        TestResult("b", Outcome.FAILED, weight=1),
        TestResult("c", Outcome.TIMEOUT, weight=1),
    ]
    score = compute_score(tests)
    assert (score.points, score.max_points, score.percent) == (3, 5, 60.0)


def test_no_tests_is_zero_percent() -> None:
    assert compute_score([]).percent == 0.0
