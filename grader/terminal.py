"""The terminal: a grading shown the way pytest shows a run (one line per test, failures in full, a
closing summary line), and the live progress of long runs. Colour comes from rich, which leaves it
out when the output is not a terminal or NO_COLOR is set."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.rule import Rule

from grader.models import GradeResult, Outcome

# The ETA is the remaining count over the speed of this recent window: one slow unit does not swing it.
SPEED_WINDOW_SECONDS = 120.0
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


class LiveProgress:
    """A long run drawn on stderr by rich: a bar of units done, what runs now, elapsed time and an ETA
    over the recent speed; lines printed meanwhile scroll above it. On a console that is not a
    terminal it draws nothing and only prints the lines."""

    def __init__(self, console: Console, what: str) -> None:
        self.console = console
        self._running: dict[str, None] = {}
        self._lock = threading.Lock()  # units start and end on worker threads
        self._bar: RichProgress | None = None
        self._task: TaskID | None = None
        self._what = what
        if console.is_terminal:
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
                speed_estimate_period=SPEED_WINDOW_SECONDS,
            )

    def start(self, total: int) -> None:
        if self._bar is not None:
            self._task = self._bar.add_task(self._what, total=total)
            self._bar.start()

    def running(self, label: str, *, on: bool) -> None:
        with self._lock:
            if on:
                self._running[label] = None
            else:
                self._running.pop(label, None)
            shown = list(self._running)[:2]
        if self._bar is not None and self._task is not None:
            now = ", ".join(shown) + (f" (+{len(self._running) - 2})" if len(self._running) > 2 else "")
            self._bar.update(self._task, description=f"{self._what}: {now}" if now else self._what)

    def advance(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)

    def print(self, line: str, style: str = "") -> None:
        # soft_wrap: a long line stays one line (a log or a pipe must not get rich's 80-column wrap).
        self.console.print(escape(line), style=style or None, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
