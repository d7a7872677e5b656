"""The package's layering is a contract: each layer imports only the layers below it.

    cli                      click commands; imports everything, imported by nothing
    bench                    benchmarks (the cluster bench drives a grading host)
    cluster                  grading on many machines: coordinator, grading host, broker protocol
    batch  bank  export      cohorts; the bank's quality gates; Gradescope and Classroom packages
    api  handout  testing    grading one submission; the candidate hand-out; helpers for suites
    harness challenges report scoring
    submission models resources
    sandbox
    errors
    worker                   the untrusted side: standard library only, imports nothing of grader

Every import counts, at module level or inside a function.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import grader

PACKAGE = Path(grader.__file__).resolve().parent
LAYERS = [
    {"__main__"},
    {"cli"},
    {"bench"},
    {"cluster"},
    {"batch", "bank", "export"},
    {"api", "handout", "testing"},
    {"harness", "challenges", "report", "scoring", "terminal"},
    {"database"},
    {"submission", "models", "resources", "config"},
    {"sandbox"},
    {"errors"},
]
RANK = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "grader" or name.startswith("grader.")}


GRAPH = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_every_part_of_the_package_has_a_layer() -> None:
    assert {part(m) for m in GRAPH} - {"grader", "worker"} <= RANK.keys()


def test_each_layer_imports_only_the_layers_below_it() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        here = part(module)
        for target in targets:
            there = part(target)
            if here == there or there == "grader" or here in ("grader", "worker"):
                continue
            if there == "worker":
                # The trusted side that talks to the worker, or shares its rules (the database
                # layer counts statements by djangokit's rule for transaction control).
                if RANK.get(here, 0) > RANK["database"]:
                    wrong.append(f"{module} -> {target}")
                continue
            if RANK[there] <= RANK[here]:
                wrong.append(f"{module} -> {target}")
    assert not wrong


def test_the_worker_imports_nothing_of_the_grader() -> None:
    assert not [(m, t) for m, t in GRAPH.items() if part(m) == "worker" and t]


def test_no_import_cycles_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, targets in GRAPH.items():
        graph[module] = {t for t in targets if t in GRAPH and t != module}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, trail: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle.extend([*trail, node, nxt])
                return True
            if nxt not in state and visit(nxt, [*trail, node]):
                return True
        state[node] = 2
        return False

    for start in sorted(graph):
        if start not in state and visit(start, []):
            break
    assert not cycle, " -> ".join(cycle)
