"""Mutation testing of hidden suites: does the suite notice when the reference is broken?

Operators are written on Python's `ast` rather than taken from a mutation library
because the well-kept ones (mutmut, cosmic-ray) drive their own test runner over
an importable package, while here a mutant must be graded exactly like a
submission: copied into the sandbox and judged by the harness. Pure apart from
nothing: source text in, mutant source texts out.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

_SWAPS: dict[type, type] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.FloorDiv,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Mod: ast.FloorDiv,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


@dataclass(frozen=True, slots=True)
class Mutant:
    id: str
    description: str
    source: str

    def diff(self, original: str) -> str:
        """Unified diff against the reference as `ast.unparse` writes it (mutants carry no comments)."""
        reference = ast.unparse(ast.parse(original)) + "\n"
        lines = difflib.unified_diff(
            reference.splitlines(keepends=True), self.source.splitlines(keepends=True), "reference", "mutant", n=1
        )
        return "".join(lines)


Mutation = Callable[[ast.AST], tuple[str, str] | None]


def _swap_operator(node: ast.AST) -> tuple[str, str] | None:
    for field_name in ("op",):
        op = getattr(node, field_name, None)
        if op is not None and type(op) in _SWAPS and isinstance(node, (ast.BinOp, ast.AugAssign, ast.BoolOp)):
            replacement = _SWAPS[type(op)]
            node.op = replacement()
            return "swap", f"{type(op).__name__} -> {replacement.__name__}"
    if isinstance(node, ast.Compare) and type(node.ops[0]) in _SWAPS:
        old = node.ops[0]
        node.ops[0] = _SWAPS[type(old)]()
        return "compare", f"{type(old).__name__} -> {type(node.ops[0]).__name__}"
    return None


def _off_by_one(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        node.value += 1
        return "constant", f"{node.value - 1} -> {node.value}"
    return None


def _slice_bound(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Slice):
        for side in ("lower", "upper"):
            bound = getattr(node, side)
            if bound is not None:
                setattr(node, side, ast.BinOp(left=bound, op=ast.Add(), right=ast.Constant(1)))
                return "slice", f"{side} bound + 1"
    return None


def _negate(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        return "negate", f"condition of {type(node).__name__} negated"
    if isinstance(node, ast.Constant) and type(node.value) is bool:
        node.value = not node.value
        return "bool", f"{not node.value} -> {node.value}"
    return None


def _drop_return_value(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Return) and node.value is not None and not _is_none(node.value):
        node.value = None
        return "return", "return value dropped"
    return None


def _swap_arguments(node: ast.AST) -> tuple[str, str] | None:
    if isinstance(node, ast.Call) and len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args):
        node.args[0], node.args[1] = node.args[1], node.args[0]
        return "arguments", "first two arguments swapped"
    return None


def _is_none(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


_CANDIDATES = (ast.BinOp, ast.AugAssign, ast.BoolOp, ast.Compare, ast.Constant, ast.Slice, ast.If, ast.While,
               ast.IfExp, ast.Return, ast.Call)  # fmt: skip

MUTATIONS: tuple[Mutation, ...] = (
    _swap_operator,
    _off_by_one,
    _slice_bound,
    _negate,
    _drop_return_value,
    _swap_arguments,
)


def _statement_lists(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    for node in ast.walk(tree):
        for field_name in ("body", "orelse", "finalbody"):
            body = getattr(node, field_name, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield node, field_name


def _is_droppable(statement: ast.stmt) -> bool:
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
        return False
    if isinstance(statement, ast.Pass):
        return False
    # Docstrings: dropping one changes nothing observable.
    return not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))


def generate_mutants(source: str) -> list[Mutant]:
    """Every single-point mutant of `source`, in a stable order, with stable ids."""
    tree = ast.parse(source)
    baseline = ast.unparse(tree)
    mutants: dict[str, Mutant] = {}
    for index, original in enumerate(ast.walk(tree)):
        if not isinstance(original, _CANDIDATES):
            continue
        for mutation in MUTATIONS:
            copy = ast.parse(source)
            node = list(ast.walk(copy))[index]
            if _in_docstring_or_annotation(copy, node):
                continue
            outcome = mutation(node)
            if outcome is None:
                continue
            kind, detail = outcome
            _add(mutants, copy, baseline, f"{kind}@{_where(node)}", detail)
    for owner_index, (owner, field_name) in enumerate(_statement_lists(ast.parse(source))):
        for position, statement in enumerate(getattr(owner, field_name)):
            if not _is_droppable(statement):
                continue
            copy = ast.parse(source)
            copy_owner, copy_field = list(_statement_lists(copy))[owner_index]
            body = getattr(copy_owner, copy_field)
            body[position] = ast.Pass()
            _add(mutants, copy, baseline, f"drop@{_where(statement)}", f"statement dropped: {type(statement).__name__}")
    return list(mutants.values())


def _add(mutants: dict[str, Mutant], tree: ast.AST, baseline: str, mutant_id: str, detail: str) -> None:
    try:
        text = ast.unparse(ast.fix_missing_locations(tree))
        compile(text, "<mutant>", "exec")
    except (SyntaxError, ValueError, TypeError):
        return
    if text == baseline or mutant_id in mutants:
        return
    mutants[mutant_id] = Mutant(mutant_id, detail, text + "\n")


def _where(node: ast.AST) -> str:
    return f"{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"


def _in_docstring_or_annotation(tree: ast.AST, target: ast.AST) -> bool:
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations.append(node.returns)
            annotations += [a.annotation for a in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs)]
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None and any(n is target for n in ast.walk(annotation)):
                return True
    return False


def sample(mutants: list[Mutant], cap: int) -> list[Mutant]:
    """At most `cap` mutants spread evenly over the source (deterministic)."""
    if len(mutants) <= cap:
        return mutants
    step = len(mutants) / cap
    return [mutants[int(i * step)] for i in range(cap)]


@dataclass(frozen=True, slots=True)
class MutantOutcome:
    mutant: Mutant
    killed: bool
    detail: str


@dataclass(frozen=True, slots=True)
class MutationReport:
    """Kill rate of one challenge's hidden suite over (a sample of) its reference's mutants."""

    challenge: str
    generated: int
    outcomes: tuple[MutantOutcome, ...]
    equivalent: tuple[str, ...]

    @property
    def counted(self) -> tuple[MutantOutcome, ...]:
        return tuple(o for o in self.outcomes if o.mutant.id not in self.equivalent)

    @property
    def survivors(self) -> tuple[MutantOutcome, ...]:
        return tuple(o for o in self.counted if not o.killed)

    @property
    def kill_rate(self) -> float:
        counted = self.counted
        if not counted:
            return 100.0
        return round(100.0 * sum(o.killed for o in counted) / len(counted), 1)
