"""Shrinking is a presentation step: turning it off (as `grader verify` does) keeps every verdict."""

from __future__ import annotations

import pytest
from hypothesis import Phase, settings
from hypothesis.internal.conjecture import engine as conjecture_engine
from hypothesis.internal.conjecture import providers

from grader.harness import plugin
from tests.conftest import GradeSource, outcomes

OFF_BY_ONE_PAST_1000 = """
    def add(a, b):
        return a + b + (a > 1000)

    def greet(name):
        return "hello " + name

    def spin(n):
        return n
"""


def _example(result, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(t.falsifying_example or "" for t in result.tests if t.id.endswith(name))


def test_verdicts_are_the_same_with_and_without_shrinking(grade_source: GradeSource) -> None:
    shrunk = grade_source(OFF_BY_ONE_PAST_1000)
    unshrunk = grade_source(OFF_BY_ONE_PAST_1000, shrink=False)
    assert outcomes(shrunk) == outcomes(unshrunk)
    assert outcomes(shrunk)["test_add_property"] == "failed"
    assert shrunk.percent == unshrunk.percent
    # Shrinking finds the boundary; the generate phase's first failure is some larger a.
    assert "a=1001" in _example(shrunk, "test_add_property")
    assert "a=1001" not in _example(unshrunk, "test_add_property")


class _Config:
    def addinivalue_line(self, name: str, line: str) -> None:
        pass


def test_the_plugin_caps_shrinking_time_and_can_switch_it_off() -> None:
    saved = conjecture_engine.MAX_SHRINKING_SECONDS
    try:
        for shrink in (True, False):
            grading = plugin.GraderPlugin(
                None, entry="solution", driver=None, suite_seconds=1, max_examples=5, shrink=shrink
            )  # type: ignore[arg-type]
            grading.pytest_configure(_Config())  # type: ignore[arg-type]
            assert (Phase.shrink in settings.default.phases) is shrink
            assert conjecture_engine.MAX_SHRINKING_SECONDS == plugin.SHRINK_SECONDS < 300
    finally:
        conjecture_engine.MAX_SHRINKING_SECONDS = saved
        providers._get_local_constants = plugin.HYPOTHESIS_LOCAL_CONSTANTS
        plugin._current = None
        settings.load_profile("project")


def test_the_plugin_keeps_harness_modules_out_of_generated_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    """Literals of the modules loaded in the harness (which differ between sandbox backends)
    must not steer what hypothesis generates: local and docker once explored different examples."""
    from grader.sandbox.base import SOCKET_NAME

    original = plugin.HYPOTHESIS_LOCAL_CONSTANTS
    monkeypatch.setattr(providers, "_get_local_constants", original)
    try:
        assert SOCKET_NAME in original().strings  # left alone, hypothesis mines the grader's own code
        grading = plugin.GraderPlugin(None, entry="solution", driver=None, suite_seconds=1, max_examples=5)  # type: ignore[arg-type]
        grading.pytest_configure(_Config())  # type: ignore[arg-type]
        assert len(providers._get_local_constants()) == 0
    finally:
        plugin._current = None
        settings.load_profile("project")
