"""The mutation gate catches a weakened suite and names the surviving mutants."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.api import SandboxChoice
from grader.bank.verify import verify
from grader.challenges import load_challenge
from tests.conftest import TOY


def copy_toy(tmp_path: Path) -> Path:
    target = tmp_path / "toy-sum"
    shutil.copytree(TOY, target)
    return target


def test_full_suite_kills_every_mutant(tmp_path: Path) -> None:
    checks = verify([copy_toy(tmp_path)], sandbox=SandboxChoice("local"), basic=False, wrong=False, mutants=True)
    mutation = next(c for c in checks if c.name == "mutants")
    assert mutation.ok, mutation.detail
    assert "kill rate 100%" in mutation.detail


def test_deleting_a_hidden_test_fails_the_gate_and_names_survivors(tmp_path: Path) -> None:
    toy = copy_toy(tmp_path)
    hidden = toy / "tests" / "hidden" / "test_hidden.py"
    text = hidden.read_text()
    hidden.write_text(text[: text.index("def test_spin")])
    assert "spin" not in load_challenge(toy).hidden_dir.joinpath("test_hidden.py").read_text()
    checks = verify([toy], sandbox=SandboxChoice("local"), basic=False, wrong=False, mutants=True)
    mutation = next(c for c in checks if c.name == "mutants")
    assert not mutation.ok
    assert "survived" in mutation.detail
    assert "total += 1" in mutation.detail or "total -= 1" in mutation.detail
