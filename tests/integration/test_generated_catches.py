"""`grader verify --wrong` holds every wrong variant to a generated test, not only to examples."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.api import SandboxChoice
from grader.bank.verify import Check, verify
from tests.conftest import TOY

REFERENCE = {
    "add": "def add(a, b):\n    return a + b\n",
    "greet": "def greet(name):\n    return f'hello {name}'\n",
    "spin": "def spin(n):\n    return n\n",
}
WRONG = {
    # The property `test_add_property` (and the example `test_add_small`) catch it.
    "subtracts.py": ("# wrong: subtracts\n# max-percent: 50\n", {"add": "def add(a, b):\n    return a - b\n"}),
    # Only the example `test_greet` sees it: no generated test does.
    "rude.py": ("# wrong: greets rudely\n# max-percent: 95\n", {"greet": "def greet(name):\n    return 'go away'\n"}),
}


def toy_with_wrong_variants(tmp_path: Path) -> Path:
    toy = tmp_path / "toy-sum"
    shutil.copytree(TOY, toy)
    (toy / "wrong").mkdir()
    for name, (header, changed) in WRONG.items():
        functions = {**REFERENCE, **changed}
        (toy / "wrong" / name).write_text(header + "\n\n" + "\n\n".join(functions.values()))
    return toy


def wrong_checks(toy: Path, *, require_generated: bool = True) -> dict[str, Check]:
    checks = verify(
        [toy], sandbox=SandboxChoice("local"), jobs=2, basic=False, wrong=True, require_generated=require_generated
    )
    return {c.name.removeprefix("wrong/"): c for c in checks if c.name.startswith("wrong/")}


def test_only_variants_a_generated_test_catches_pass(tmp_path: Path) -> None:
    checks = wrong_checks(toy_with_wrong_variants(tmp_path))
    assert set(checks) == set(WRONG)

    subtracts = checks["subtracts.py"]
    assert subtracts.ok, subtracts.detail
    assert "caught by generated test_add_property; by examples test_add_small" in subtracts.detail

    rude = checks["rude.py"]
    assert not rude.ok
    assert rude.detail == "85.71% (max 95): caught by examples test_greet -- caught only by example tests"


def test_without_the_flag_the_catchers_are_reported_and_the_check_holds(tmp_path: Path) -> None:
    rude = wrong_checks(toy_with_wrong_variants(tmp_path), require_generated=False)["rude.py"]
    assert rude.ok
    assert rude.detail.endswith("-- caught only by example tests")
