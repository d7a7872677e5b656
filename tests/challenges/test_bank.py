"""Static checks over every challenge folder (fast; `grader verify` does the grading)."""

from __future__ import annotations

import ast
import sys
import re
from pathlib import Path

import pytest

from grader.challenges import discover, load_challenge
from grader.bank.verify import MIN_ALTERNATIVES, MIN_WRONG, parse_wrong_header

FOLDERS = discover()
SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "django-interview-questions.txt"
SECTIONS = {"Data Structures and Algorithms", "Coding and Debugging", "System Design", "Core Concepts"}


def ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


@pytest.mark.parametrize("folder", FOLDERS, ids=ids(FOLDERS))
def test_challenge_is_complete(folder: Path) -> None:
    challenge = load_challenge(folder)
    assert challenge.seed_section in SECTIONS
    assert len(challenge.prompt_path.read_text(encoding="utf-8")) > 400
    stub = (challenge.stub_dir / "solution.py").read_text(encoding="utf-8")
    assert "NotImplementedError" in stub
    ast.parse(stub)
    ast.parse((challenge.reference_dir / "solution.py").read_text(encoding="utf-8"))
    assert list(challenge.visible_dir.glob("test_*.py"))
    assert list(challenge.hidden_dir.glob("test_*.py"))


@pytest.mark.parametrize("folder", FOLDERS, ids=ids(FOLDERS))
def test_wrong_variants_and_alternatives_are_declared(folder: Path) -> None:
    wrong = sorted((folder / "wrong").glob("*.py"))
    alternatives = sorted((folder / "alternatives").glob("*.py"))
    assert len(wrong) >= MIN_WRONG
    assert len(alternatives) >= MIN_ALTERNATIVES
    for path in wrong:
        reason, bound = parse_wrong_header(path)
        assert reason and 0 <= bound < 100
        ast.parse(path.read_text(encoding="utf-8"))
    for path in alternatives:
        assert re.search(r"^#\s*alternative:\s*\S", path.read_text(encoding="utf-8"), re.MULTILINE), path.name


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9_']+", text.lower())


def _grams(words: list[str], n: int = 12) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.mark.skipif(not SEED.exists(), reason="the seed document is not beside this checkout")
@pytest.mark.parametrize("folder", FOLDERS, ids=ids(FOLDERS))
def test_prompt_and_code_are_in_our_own_words(folder: Path) -> None:
    seed = _grams(_words(SEED.read_text(encoding="utf-8", errors="replace")))
    for path in folder.rglob("*"):
        if path.suffix in (".py", ".md", ".toml") and path.is_file():
            copied = _grams(_words(path.read_text(encoding="utf-8"))) & seed
            assert not copied, f"{path.relative_to(folder)} repeats the seed: {' '.join(next(iter(copied)))}"


@pytest.mark.parametrize("folder", FOLDERS, ids=ids(FOLDERS))
def test_prompt_names_every_module_name_intake_refuses_beyond_the_standard_library(folder: Path) -> None:
    """The rule intake applies (ModuleRules) is stated in the prompt: the entry and each reserved name."""
    challenge = load_challenge(folder)
    text = challenge.prompt_path.read_text(encoding="utf-8")
    section = text[text.index("## Submitting") :]
    rules = challenge.module_rules()
    assert f"`{rules.entry}.py`" in section
    for name in sorted(rules.reserved - set(sys.stdlib_module_names)):
        assert f"`{name}`" in section, name
