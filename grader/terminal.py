"""A grading shown on a terminal the way pytest shows a run: one line per test, failures in full,
a closing summary line. Colour comes from rich, which leaves it out when the output is not a
terminal or NO_COLOR is set."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.rule import Rule

from grader.models import GradeResult, Outcome

STYLES = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
}


def _style(outcome: Outcome) -> str:
    return STYLES.get(outcome, "red bold")


def print_test_run(result: GradeResult, console: Console, *, verbosity: int = 0) -> None:
    """`verbosity` -1 (quiet): failures and the summary; 0: one line per test; 1: also passing output."""
    if verbosity >= 0:
        for test in result.tests:
            console.print(f"{escape(test.id)} [{_style(test.outcome)}]{test.outcome.value.upper()}[/]")
    failing = [t for t in result.tests if t.outcome is not Outcome.PASSED]
    if failing:
        console.print(Rule("FAILURES", style="red"))
    for test in failing:
        console.print(Rule(escape(test.id.split("::")[-1]), style="red", characters="_"))
        console.print(escape(test.message or test.outcome.value), highlight=False)
        if test.falsifying_example:
            console.print(escape(test.falsifying_example), highlight=False)
        if test.output:
            console.print(Rule("captured output", style="dim", characters="-"))
            console.print(escape(test.output.rstrip("\n")), highlight=False, markup=False)
    if verbosity > 0:
        for test in result.tests:
            if test.outcome is Outcome.PASSED and test.output:
                console.print(Rule(f"output of {escape(test.id)}", style="dim", characters="-"))
                console.print(escape(test.output.rstrip("\n")), highlight=False, markup=False)
    if result.error:
        console.print(f"[red bold]error:[/] {escape(result.error)}")
    counts = [(o, result.count(o)) for o in Outcome if result.count(o)]
    words = ", ".join(f"[{_style(o)}]{n} {o.value}[/]" for o, n in counts) or "no tests ran"
    seconds = sum(t.duration_s for t in result.tests)
    colour = "green" if not failing and not result.error else "red"
    console.print(Rule(f"{words} [{colour}]in {seconds:.2f}s[/]", style=colour))
