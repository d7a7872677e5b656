"""The worker's integrity check: a submission that changes the grader's code in its process has
the test it did it in marked "tampered", which scores nothing."""

from __future__ import annotations

from grader.models import Outcome
from tests.conftest import GradeSource, outcomes

HONEST = """
def add(a, b):
    return a + b

def spin(n):
    return n

def greet(name):
    return f"hello {name}"
"""


def test_an_honest_submission_is_never_tampered(grade_source: GradeSource) -> None:
    result = grade_source(HONEST)
    assert Outcome.TAMPERED.value not in outcomes(result).values()
    assert result.score == result.max_score


def test_an_import_hook_installed_at_import_marks_every_test(grade_source: GradeSource) -> None:
    result = grade_source(
        HONEST
        + """
import sys

class Finder:
    def find_spec(self, name, path=None, target=None):
        return None

sys.meta_path.insert(0, Finder())
"""
    )
    assert set(outcomes(result).values()) == {Outcome.TAMPERED.value}
    assert result.score == 0
    assert all("sys.meta_path" in test.message for test in result.tests)


def test_rebinding_the_channels_code_in_one_test_marks_that_test_only(grade_source: GradeSource) -> None:
    result = grade_source(
        HONEST.replace(
            'return f"hello {name}"',
            "import rpc\n    rpc.Endpoint.encode = rpc.Endpoint.encode\n"
            '    rpc.Endpoint._perform = lambda self, m: rpc.Endpoint.__dict__["_serve"]\n'
            '    return f"hello {name}"',
        )
    )
    verdicts = outcomes(result)
    tampered = [name for name, verdict in verdicts.items() if verdict == Outcome.TAMPERED.value]
    assert tampered and all("greet" in name for name in tampered)
    assert all(verdict == Outcome.PASSED.value for name, verdict in verdicts.items() if "greet" not in name)
    message = next(t.message for t in result.tests if t.outcome is Outcome.TAMPERED)
    assert "rpc.Endpoint._perform" in message


def test_the_dispatch_table_cannot_be_written(grade_source: GradeSource) -> None:
    result = grade_source(
        HONEST.replace(
            'return f"hello {name}"',
            'import rpc\n    rpc._OPERATIONS["call"] = None\n    return f"hello {name}"',
        )
    )
    greet = next(t for t in result.tests if "greet" in t.id)
    assert greet.outcome is not Outcome.PASSED
    assert "does not support item assignment" in greet.message
