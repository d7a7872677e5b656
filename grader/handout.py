"""The candidate hand-out for one challenge: a folder that works with nothing but Python and pytest.

It holds the prompt, the stub, the visible example tests, a `conftest.py` that provides the
`submission` (and `driver`) fixtures in the candidate's own process, a pinned `requirements.txt`
and a README. Django challenges also get `support/`: the kit, the challenge's app packages and the
part of the driver that the visible tests call, pruned on its syntax tree. Nothing of the hidden
suite, the reference, `wrong/` or `alternatives/` is read here.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from grader.challenges import Challenge, Kind
from grader.errors import InputError
from grader.report import template_environment
from grader.sandbox.base import WORKER_DIR

SUPPORT_DIR = "support"
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)")


def write_handout(challenge: Challenge, dest: Path) -> list[Path]:
    """Write the hand-out of `challenge` into `dest` (absent or an empty folder); the files written."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(f"{dest}: exists and is not an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    env = template_environment()
    # The limits the grader applies (an assessment's overrides included), appended to the prompt so
    # that the prompt, the README and the report state the same numbers, from challenge.toml.
    prompt = challenge.prompt_path.read_text(encoding="utf-8").rstrip("\n") + "\n"
    limits = env.get_template("handout/limits.md.j2").render(challenge=challenge)
    (dest / "prompt.md").write_text(prompt + limits, encoding="utf-8")
    shutil.copytree(challenge.stub_dir, dest, dirs_exist_ok=True, ignore=_ignore_caches)
    shutil.copytree(challenge.visible_dir, dest / "tests", dirs_exist_ok=True, ignore=_ignore_caches)
    if challenge.driver_dir is not None:
        _write_support(challenge, challenge.driver_dir, dest / SUPPORT_DIR)
    context = {
        "challenge": challenge,
        "has_driver": challenge.driver_dir is not None,
        "support": SUPPORT_DIR,
        "requirements": handout_requirements(challenge),
    }
    for name in ("conftest.py", "requirements.txt", "README.md"):
        text = env.get_template(f"handout/{name}.j2").render(**context)
        (dest / name).write_text(text, encoding="utf-8")
    return sorted(p for p in dest.rglob("*") if p.is_file())


def _write_support(challenge: Challenge, driver_dir: Path, support: Path) -> None:
    support.mkdir()
    shutil.copy2(WORKER_DIR / "djangokit.py", support / "djangokit.py")
    for item in sorted(driver_dir.iterdir()):
        if item.is_dir() and item.name != "__pycache__":
            shutil.copytree(item, support / item.name, ignore=_ignore_caches)
    called = driver_calls(p.read_text(encoding="utf-8") for p in sorted(challenge.visible_dir.rglob("*.py")))
    source = (driver_dir / "driver.py").read_text(encoding="utf-8")
    (support / "driver.py").write_text(prune_module(source, called), encoding="utf-8")


def driver_calls(test_sources: Iterable[str]) -> set[str]:
    """The names tests use as `driver.NAME`."""
    names: set[str] = set()
    for source in test_sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "driver":
                names.add(node.attr)
    return names


def prune_module(source: str, keep: set[str]) -> str:
    """`source` with only the top-level functions and classes that `keep` needs, directly or through others.

    Every other statement (imports, setup calls, constants) stays, as do the definitions they name:
    the result runs exactly like the original for the kept names.
    """
    tree = ast.parse(source)
    definitions = {
        node.name: node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    wanted = set(keep) & definitions.keys()
    wanted |= {name for node in tree.body if node.__class__ not in _DEFINITIONS for name in _names(node)}
    queue = [name for name in wanted if name in definitions]
    while queue:
        for name in _names(definitions[queue.pop()]):
            if name in definitions and name not in wanted:
                wanted.add(name)
                queue.append(name)
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        tree.body = tree.body[1:]  # the driver's own docstring speaks of the worker
    tree.body = [
        node for node in tree.body if node.__class__ not in _DEFINITIONS or getattr(node, "name", "") in wanted
    ]
    header = '"""The part of the grader\'s driver that the example tests use (generated; run by conftest.py)."""\n\n'
    return header + ast.unparse(tree) + "\n"


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def handout_requirements(challenge: Challenge) -> list[str]:
    """Pinned requirements: pytest as the grader pins it, and Django's stack for Django challenges."""
    pins = [_grader_pin("pytest")]
    if challenge.kind is Kind.DJANGO:
        text = (WORKER_DIR.parent / "sandbox" / "requirements.txt").read_text(encoding="utf-8")
        pins += [f"{m[1]}=={m[2]}" for line in text.splitlines() if (m := _PIN.match(line))]
    return pins


def _grader_pin(name: str) -> str:
    for requirement in importlib.metadata.requires("grader") or []:
        match = _PIN.match(requirement.replace(" ", ""))
        if match and match[1].lower() == name:
            return f"{match[1]}=={match[2]}"
    return f"{name}=={importlib.metadata.version(name)}"


def _ignore_caches(_folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith(".pyc")]
