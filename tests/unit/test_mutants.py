"""The mutation operators: each kind appears, every mutant compiles, ids are stable."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st

from grader.bank.mutants import generate_mutants, sample

SOURCE = '''
def window(xs, k):
    """Docstring stays."""
    total = 0
    for i in range(len(xs)):
        if xs[i] > k and i % 2 == 0:
            total += xs[i] * 2
    return total, xs[1:-1], max(k, 3), True
'''


def test_every_operator_kind_is_generated() -> None:
    kinds = {m.id.split("@")[0] for m in generate_mutants(SOURCE)}
    assert {"swap", "compare", "constant", "slice", "negate", "bool", "return", "arguments", "drop"} <= kinds


def test_mutants_compile_differ_and_have_unique_ids() -> None:
    mutants = generate_mutants(SOURCE)
    baseline = ast.unparse(ast.parse(SOURCE))
    assert len({m.id for m in mutants}) == len(mutants)
    for mutant in mutants:
        compile(mutant.source, "<m>", "exec")
        assert mutant.source.strip() != baseline.strip()
        assert mutant.diff(SOURCE).startswith("--- reference")


def test_docstrings_are_never_dropped() -> None:
    assert all("Docstring" in m.source for m in generate_mutants(SOURCE))


def test_generation_is_deterministic() -> None:
    assert [m.id for m in generate_mutants(SOURCE)] == [m.id for m in generate_mutants(SOURCE)]


@settings(max_examples=30)
@given(st.integers(1, 80))
def test_sample_is_bounded_and_ordered(cap: int) -> None:
    mutants = generate_mutants(SOURCE)
    chosen = sample(mutants, cap)
    assert len(chosen) == min(cap, len(mutants))
    positions = [mutants.index(m) for m in chosen]
    assert positions == sorted(set(positions))
