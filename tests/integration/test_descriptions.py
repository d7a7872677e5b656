"""Each hidden test's public description is read as the suite is collected (from descriptions.toml
beside it, else from its docstring or its state machine's) and travels with its result; `grader
verify` refuses a suite that lacks one."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.api import SandboxChoice
from grader.bank.verify import verify
from grader.challenges import load_challenge
from tests.conftest import TOY, GradeSource

MACHINE_SUITE = '''
from hypothesis.stateful import RuleBasedStateMachine, rule


class AddMachine(RuleBasedStateMachine):
    """Keeps adding correctly over any sequence of additions.

    Everything after the first line is for the suite's authors only.
    """

    @rule()
    def add(self):
        pass


TestAddMachine = AddMachine.TestCase


def test_documented_over_lines(submission):
    """
    Greets anyone.

    More text.
    """
    assert submission.greet("x") == "hello x"


def test_undocumented(submission):
    assert submission.add(1, 1) == 2
'''

SOURCE = """
def add(a, b):
    return a + b

def greet(name):
    return f"hello {name}"

def spin(n):
    return n
"""


def toy_with_machine(tmp_path: Path) -> Path:
    toy = tmp_path / "toy-sum"
    shutil.copytree(TOY, toy)
    (toy / "tests" / "hidden" / "test_machine.py").write_text(MACHINE_SUITE)
    return toy


def test_descriptions_come_from_docstrings_and_machines(tmp_path: Path, grade_source: GradeSource) -> None:
    result = grade_source(SOURCE, challenge=load_challenge(toy_with_machine(tmp_path)))
    described = {test.id.split("::", 1)[-1]: test.description for test in result.tests}
    assert described["test_add_small"] == "Adds two small numbers."
    assert described["TestAddMachine::runTest"] == "Keeps adding correctly over any sequence of additions."
    assert described["test_documented_over_lines"] == "Greets anyone."
    assert described["test_undocumented"] == ""


def test_verify_refuses_a_hidden_test_without_a_description(tmp_path: Path) -> None:
    toy = toy_with_machine(tmp_path)
    (toy / "reference").mkdir(exist_ok=True)
    (toy / "reference" / "solution.py").write_text(SOURCE)
    checks = verify([toy], sandbox=SandboxChoice("local"), jobs=1, basic=True, wrong=False)
    described = next(check for check in checks if check.name == "hidden tests described")
    assert not described.ok
    assert described.detail == "no description: test_machine.py::test_undocumented"


def test_descriptions_toml_wins_and_leaves_the_source_as_it_was(tmp_path: Path, grade_source: GradeSource) -> None:
    """The file beside the suite describes a test without touching its source (hypothesis derives a
    derandomized test's examples from the source); it wins over a docstring."""
    toy = toy_with_machine(tmp_path)
    (toy / "tests" / "hidden" / "descriptions.toml").write_text(
        '[descriptions]\ntest_undocumented = "Adds one and one."\nAddMachine = "Adds in any order."\n'
    )
    result = grade_source(SOURCE, challenge=load_challenge(toy))
    described = {test.id.split("::", 1)[-1]: test.description for test in result.tests}
    assert described["test_undocumented"] == "Adds one and one."
    assert described["TestAddMachine::runTest"] == "Adds in any order."
    assert described["test_add_small"] == "Adds two small numbers."  # not in the file: its docstring
