"""The candidate hand-out: what it holds, what it must never hold, and the driver pruning."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.challenges import Challenge, discover, load_challenge
from grader.handout import SUPPORT_DIR, driver_calls, prune_module, write_handout
from tests.conftest import TOY

FOLDERS = discover()


def hidden_material(challenge: Challenge) -> list[Path]:
    folders = [challenge.hidden_dir, challenge.reference_dir, challenge.wrong_dir, challenge.alternatives_dir]
    return [p for folder in folders if folder.is_dir() for p in folder.rglob("*.py") if "__pycache__" not in p.parts]


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_handout_holds_the_self_check_and_nothing_hidden(folder: Path, tmp_path: Path) -> None:
    challenge = load_challenge(folder)
    dest = tmp_path / challenge.slug
    written = write_handout(challenge, dest)
    names = {p.relative_to(dest).as_posix() for p in written}
    assert {"prompt.md", "README.md", "conftest.py", "requirements.txt", f"{challenge.entry}.py"} <= names
    assert any(n.startswith("tests/test_") for n in names)
    contents = {p.read_bytes() for p in written}
    for secret in hidden_material(challenge):
        assert secret.read_bytes() not in contents, secret
    hidden_tests = {
        node.name
        for path in challenge.hidden_dir.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name.startswith(("test_", "Test"))
    }
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in written)
    leaked = sorted(name for name in hidden_tests if name in text and not _visible_name(challenge, name))
    assert not leaked
    if challenge.driver_dir is not None:
        support = dest / SUPPORT_DIR / "driver.py"
        kept = {n.name for n in ast.parse(support.read_text()).body if isinstance(n, ast.FunctionDef)}
        assert driver_calls(p.read_text() for p in challenge.visible_dir.rglob("*.py")) <= kept


def _visible_name(challenge: Challenge, name: str) -> bool:
    return any(name in p.read_text(encoding="utf-8") for p in challenge.visible_dir.rglob("*.py"))


def test_a_handout_is_not_written_over_existing_work(tmp_path: Path) -> None:
    from grader.errors import InputError

    (tmp_path / "solution.py").write_text("mine\n")
    with pytest.raises(InputError, match="exists and is not an empty folder"):
        write_handout(load_challenge(FOLDERS[0]), tmp_path)
    assert (tmp_path / "solution.py").read_text() == "mine\n"


DRIVER = '''
"""Docstring of the driver."""
import helper
helper.setup("x")
LIMIT = 3

def _shared(x):
    return x + LIMIT

def _only_hidden(x):
    return x

def visible_scenario(x):
    return _shared(x)

def hidden_scenario(x):
    return _only_hidden(x)

class Recorder:
    pass

def uses_class():
    return Recorder()
'''


def test_prune_keeps_what_the_kept_functions_need_and_drops_the_rest() -> None:
    pruned = ast.parse(prune_module(DRIVER, {"visible_scenario"}))
    defs = [n.name for n in pruned.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]
    assert defs == ["_shared", "visible_scenario"]
    assert "helper.setup('x')" in ast.unparse(pruned)
    assert "Docstring of the driver" not in ast.unparse(pruned)
    namespace: dict[str, object] = {}
    exec(compile(ast.parse(prune_module(DRIVER, {"uses_class"}).replace("import helper\nhelper.setup('x')", "")),
                 "d", "exec"), namespace)  # fmt: skip
    assert type(namespace["uses_class"]()).__name__ == "Recorder"  # type: ignore[operator]


@given(st.sets(st.sampled_from(["visible_scenario", "hidden_scenario", "uses_class", "missing"])))
def test_prune_never_drops_a_requested_definition_and_always_parses(keep: set[str]) -> None:
    pruned = ast.parse(prune_module(DRIVER, keep))
    defs = {n.name for n in pruned.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert keep - {"missing"} <= defs
    assert ("_only_hidden" in defs) == ("hidden_scenario" in keep)


def test_driver_calls_finds_attribute_uses_of_the_driver_fixture() -> None:
    source = "def test_a(driver):\n    obs = driver.a_scenario(1)\n    assert driver.b(2)\n    other.c()\n"
    assert driver_calls([source]) == {"a_scenario", "b"}


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_handout_readme_says_where_the_examples_and_the_grading_run(folder: Path, tmp_path: Path) -> None:
    challenge = load_challenge(folder)
    write_handout(challenge, tmp_path / "h")
    readme = (tmp_path / "h" / "README.md").read_text(encoding="utf-8")
    mentions = "PostgreSQL" in readme and "SQLite" in readme
    assert mentions == challenge.on_postgresql
    assert "\n\n## What to send" in readme


LIMIT_LINES = {
    "call_seconds": re.compile(r"^- ([0-9.]+) s for any one call into your code", re.M),
    "suite_seconds": re.compile(r"^- ([0-9.]+) s for the whole hidden suite;", re.M),
    "memory_mb": re.compile(r"^- ([0-9]+) MB of memory\.", re.M),
}


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_the_prompt_readme_and_challenge_toml_state_the_same_limits(folder: Path, tmp_path: Path) -> None:
    challenge = load_challenge(folder)
    write_handout(challenge, tmp_path / "out")
    prompt = (tmp_path / "out" / "prompt.md").read_text(encoding="utf-8")
    readme = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert prompt.startswith(challenge.prompt_path.read_text(encoding="utf-8").rstrip("\n"))
    assert prompt.count("## Limits") == 1
    for name, pattern in LIMIT_LINES.items():
        stated = [float(value) for value in pattern.findall(prompt)]
        assert stated == [float(getattr(challenge.limits, name))], name
    limits = challenge.limits
    assert (
        f"{limits.call_seconds:g} s per call, {limits.suite_seconds:g} s for the whole suite "
        f"and {limits.memory_mb} MB of memory"
    ) in " ".join(readme.split())
    # A per-call figure in the prompt's own text would have to be this one: none states another.
    for match in re.finditer(r"([0-9.]+) ?s(?:econds)? (?:per|for each|for any one) call", prompt):
        assert float(match.group(1)) == limits.call_seconds, match.group(0)


def test_an_assessment_override_reaches_the_prompt_and_the_readme(tmp_path: Path) -> None:
    challenge = load_challenge(TOY)
    changed = dataclasses.replace(challenge, limits=dataclasses.replace(challenge.limits, call_seconds=7.5))
    write_handout(changed, tmp_path / "out")
    assert "- 7.5 s for any one call into your code" in (tmp_path / "out" / "prompt.md").read_text()
    assert "7.5 s per call" in (tmp_path / "out" / "README.md").read_text()
