"""Each test gets the output written during it: none lost at its end, none carried into the next."""

from __future__ import annotations

import pytest

from grader.models import Outcome
from tests.conftest import GradeSource

PRINTS_PER_CALL = """
    import os
    import sys

    def add(a, b):
        print("add-called")
        return a + b

    def greet(name):
        # More than a pipe buffer and more than one read, then a last line right before returning.
        sys.stdout.write("g" * {size} + "\\n")
        os.write(2, b"greet-raw-fd\\n")
        print("greet-last-line", flush=False)
        return "hello " + name

    def spin(n):
        print("spin-called")
        return n
"""


def _output(result, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(t.output for t in result.tests if t.id.endswith("::" + name))


@pytest.mark.parametrize("size", [10, 70_000, 200_000])
def test_output_belongs_to_the_test_that_wrote_it(grade_source: GradeSource, size: int) -> None:
    result = grade_source(PRINTS_PER_CALL.replace("{size}", str(size)))
    assert all(t.outcome is Outcome.PASSED for t in result.tests)
    greet, spin = _output(result, "test_greet"), _output(result, "test_spin")
    assert "spin-called" in spin and "spin-called" not in greet
    assert "add-called" not in greet and "add-called" not in spin
    if size < 1000:
        # Under the cap: every byte arrives, the unflushed last line and the raw fd write included.
        assert "greet-raw-fd" in greet and "greet-last-line" in greet
    else:
        assert greet.endswith("\n[output truncated]") and set(greet.split("\n")[0]) == {"g"}
