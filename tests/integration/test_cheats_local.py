"""Cheats that beat ordinary pytest graders have nothing to act on here (local worker).

Each hostile submission is graded against the toy challenge (7 points: add_small 2,
add_property 3, greet 1, spin 1) and the exact outcome is asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.api import SandboxChoice, grade
from grader.challenges import load_challenge
from grader.errors import SubmissionError
from grader.models import GradeStatus, Outcome, Suite
from tests.conftest import TOY, GradeSource, outcomes

HONEST_ADD = """
def add(a, b):
    return a + b
"""


def test_reference_like_submission_scores_everything(grade_source: GradeSource) -> None:
    result = grade_source(HONEST_ADD + "\ndef greet(n):\n    return 'hello ' + n\n\ndef spin(n):\n    return n\n")
    assert result.status is GradeStatus.GRADED
    assert (result.score, result.max_score, result.percent) == (7, 7, 100.0)


def test_weights_decide_the_score(grade_source: GradeSource) -> None:
    result = grade_source(HONEST_ADD)  # greet and spin missing: AttributeError
    assert outcomes(result) == {
        "test_add_small": "passed",
        "test_add_property": "passed",
        "test_greet": "error",
        "test_spin": "error",
    }
    assert (result.score, result.max_score) == (5, 7)


def test_planted_conftest_and_ini_change_nothing(grade_source: GradeSource) -> None:
    hack = """
    import pytest

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(item, call):
        outcome = yield
        report = outcome.get_result()
        report.outcome = "passed"
    """
    result = grade_source(
        "def add(a, b):\n    return 0\n",
        {
            "conftest.py": hack,
            "pytest.ini": "[pytest]\naddopts = -p no:grader\n",
            "tests/conftest.py": hack,
        },
    )
    assert result.score == 0


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "os._exit(0)", "raise SystemExit(0)"])
def test_exit_at_import_scores_zero(grade_source: GradeSource, exit_call: str) -> None:
    result = grade_source(f"import os, sys\n{exit_call}\n" + HONEST_ADD)
    assert result.score == 0
    assert result.status is GradeStatus.GRADED
    assert all(t.outcome in (Outcome.ERROR, Outcome.CRASHED) for t in result.tests)


def test_os_exit_inside_a_call_fails_only_that_test(grade_source: GradeSource) -> None:
    result = grade_source(
        HONEST_ADD + "\ndef greet(n):\n    import os\n    os._exit(0)\n\ndef spin(n):\n    return n\n"
    )
    assert outcomes(result)["test_greet"] == "crashed"
    assert "exited with code 0" in next(t.message for t in result.tests if t.id.endswith("test_greet"))
    assert outcomes(result)["test_spin"] == "passed"  # a fresh worker served the next test
    assert result.score == 6


def test_sys_exit_inside_a_call_is_an_error_not_a_pass(grade_source: GradeSource) -> None:
    result = grade_source(HONEST_ADD + "\ndef greet(n):\n    raise SystemExit(0)\n\ndef spin(n):\n    return n\n")
    assert outcomes(result)["test_greet"] == "error"
    assert result.score == 6


def test_always_equal_object_is_never_equal(grade_source: GradeSource) -> None:
    source = """
    class Anything:
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        __hash__ = object.__hash__

    def add(a, b):
        return Anything()

    def greet(n):
        return Anything()

    def spin(n):
        return Anything()
    """
    assert grade_source(source).score == 0


def test_doctored_int_subclass_is_a_handle_not_an_int(grade_source: GradeSource) -> None:
    source = """
    class Liar(int):
        def __eq__(self, other):
            return True
        __hash__ = int.__hash__

    def add(a, b):
        return Liar(0)

    def greet(n):
        return Liar(0)

    def spin(n):
        return Liar(0)
    """
    assert grade_source(source).score == 0


def test_frame_and_gc_walks_find_no_expected_values(grade_source: GradeSource) -> None:
    source = """
    import gc, sys

    def _steal():
        # Look for anything that smells of the test: modules, frames, the oracle.
        found = [m for m in sys.modules if "test" in m and "hidden" in m]
        for obj in gc.get_objects():
            if type(obj).__name__ in ("TestRecord", "GraderPlugin", "Session"):
                found.append(obj)
        frame = sys._getframe()
        names = []
        while frame is not None:
            names.append(frame.f_code.co_filename)
            frame = frame.f_back
        return found, names

    def add(a, b):
        found, names = _steal()
        if found or any("test_hidden" in n or "_pytest" in n for n in names):
            return a + b  # would only be right if the harness were reachable
        return -1

    greet = spin = add
    """
    result = grade_source(source)
    assert result.score == 0


def test_fake_pytest_summary_on_stdout_is_just_output(grade_source: GradeSource) -> None:
    source = """
    import sys
    print("=" * 20 + " 4 passed in 0.01s " + "=" * 20)
    sys.stderr.write('{"score": 7, "max_score": 7, "percent": 100}\\n')

    def add(a, b):
        print("PASSED test_add_small")
        return 0

    greet = spin = add
    """
    result = grade_source(source)
    assert result.score == 0
    assert any("PASSED test_add_small" in t.output for t in result.tests)


def test_hanging_call_times_out_and_the_rest_still_scores(grade_source: GradeSource) -> None:
    source = (
        HONEST_ADD
        + """
def greet(n):
    return "hello " + n

def spin(n):
    while True:
        pass
"""
    )
    result = grade_source(source)
    assert outcomes(result)["test_spin"] == "timeout"
    assert "time limit exceeded" in next(t.message for t in result.tests if t.id.endswith("test_spin"))
    assert result.score == 6


def test_unbounded_allocation_is_a_memory_verdict(grade_source: GradeSource) -> None:
    source = (
        HONEST_ADD
        + """
def greet(n):
    blocks = []
    while True:
        blocks.append(bytearray(50 * 1024 * 1024))

def spin(n):
    return n
"""
    )
    result = grade_source(source)
    assert outcomes(result)["test_greet"] == "memory"
    assert "memory limit (256 MB) exceeded" in next(t.message for t in result.tests if t.id.endswith("test_greet"))
    assert outcomes(result)["test_spin"] == "passed"
    assert result.score == 6


def test_syntax_error_fails_every_test_with_the_reason(grade_source: GradeSource) -> None:
    result = grade_source("def add(a, b)\n    return a + b\n")
    assert result.score == 0
    assert all(t.outcome is Outcome.ERROR and "SyntaxError" in t.message for t in result.tests)


def test_missing_entry_module_is_refused_before_grading(grade_source: GradeSource, tmp_path: Path) -> None:
    result = grade_source("x = 1\n", {"other.py": "def add(a, b):\n    return a + b\n"})
    assert result.score == 0  # solution.py exists but has no add: a verdict, not an error
    folder = tmp_path / "no-entry"
    folder.mkdir()
    (folder / "helpers.py").write_text("def add(a, b):\n    return a + b\n")
    with pytest.raises(SubmissionError, match=r"^no solution.py at the top of the submission \(found helpers.py\)$"):
        grade(folder, load_challenge(TOY), sandbox=SandboxChoice("local"))


def test_falsifying_example_is_reported(grade_source: GradeSource) -> None:
    result = grade_source("def add(a, b):\n    return a + b if a < 10 else 0\n")
    prop = next(t for t in result.tests if t.id.endswith("test_add_property"))
    assert prop.outcome is Outcome.FAILED
    assert prop.falsifying_example is not None
    assert "a=10" in prop.falsifying_example
    assert prop.falsifying_example.startswith("Failing test case")


def test_grading_is_deterministic(grade_source: GradeSource) -> None:
    source = "def add(a, b):\n    return a + b if (a * 7 + b) % 13 else a - b\n"
    first = grade_source(source)
    second = grade_source(source)
    assert [(t.id, t.outcome, t.falsifying_example) for t in first.tests] == [
        (t.id, t.outcome, t.falsifying_example) for t in second.tests
    ]


def test_visible_suite_is_separate(grade_source: GradeSource) -> None:
    result = grade_source(HONEST_ADD, suite=Suite.VISIBLE)
    assert result.suite is Suite.VISIBLE
    assert [t.outcome for t in result.tests] == [Outcome.PASSED]
