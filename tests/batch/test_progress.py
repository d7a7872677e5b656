"""Batch progress: candidates done, gradings named plainly, what runs now; silent without a console."""

from __future__ import annotations

import io

from rich.console import Console

from grader.batch.progress import Progress, format_seconds
from grader.batch.runner import TaskOutcome, TaskReport
from grader.models import Suite


def report(candidate: str, outcome: TaskOutcome = TaskOutcome.GRADED) -> TaskReport:
    return TaskReport(candidate, "toy-sum", Suite.HIDDEN, outcome)


class _Task:
    def __init__(self, candidate: str) -> None:
        self.candidate = candidate
        self.challenge = type("C", (), {"slug": "toy-sum"})()


def test_counts_candidates_when_all_their_gradings_are_done() -> None:
    # 4 candidates: ann has 2 gradings, ben 1, two more had nothing to grade (intake errors).
    progress = Progress(None, 4, {"ann": 2, "ben": 1})
    assert progress.candidates_done == 2
    progress.done(report("ann"))
    assert progress.candidates_done == 2
    progress.done(report("ben", TaskOutcome.FAILED))
    progress.done(report("ann", TaskOutcome.REUSED))
    progress.close()
    assert progress.line().startswith(
        "candidates 4/4  gradings 3/3  graded 1, reused 1, grading failed 1  elapsed 0:00"
    )


def test_names_what_is_being_graded_and_draws_on_a_terminal() -> None:
    stream = io.StringIO()
    console = Console(file=stream, force_terminal=True, width=160, color_system=None)
    progress = Progress(console, 2, {"ann": 1, "ben": 1})
    progress.start(_Task("ann"))  # type: ignore[arg-type]
    progress.start(_Task("ben"))  # type: ignore[arg-type]
    assert progress.running() == "grading ann/toy-sum, ben/toy-sum"
    progress.done(report("ann"))
    assert progress.running() == "grading ben/toy-sum"
    progress.done(report("ben"))
    progress.close()
    shown = stream.getvalue()
    assert "2/2" in shown and "graded 2, reused 0" in shown


def test_silent_without_a_console() -> None:
    progress = Progress(None, 1, {"ann": 1})
    progress.done(report("ann"))
    progress.close()
    assert progress.line().startswith("candidates 1/1")


def test_format_seconds() -> None:
    assert [format_seconds(s) for s in (0, 59.6, 61, 3725)] == ["0:00", "1:00", "1:01", "1:02:05"]
