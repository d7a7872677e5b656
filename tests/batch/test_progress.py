"""The progress line: candidates done, failures, elapsed and ETA; silent without a stream."""

from __future__ import annotations

import io

from grader.batch.progress import Progress, format_seconds
from grader.batch.runner import TaskOutcome, TaskReport
from grader.models import Suite


def report(candidate: str, outcome: TaskOutcome = TaskOutcome.GRADED) -> TaskReport:
    return TaskReport(candidate, "toy-sum", Suite.HIDDEN, outcome)


def test_counts_candidates_when_all_their_gradings_are_done() -> None:
    stream = io.StringIO()
    # 4 candidates: ann has 2 gradings, ben 1, two more had nothing to grade (intake errors).
    progress = Progress(stream, 4, {"ann": 2, "ben": 1})
    assert progress.candidates_done == 2
    progress.done(report("ann"))
    assert progress.candidates_done == 2
    progress.done(report("ben", TaskOutcome.FAILED))
    progress.done(report("ann", TaskOutcome.REUSED))
    progress.close()
    line = stream.getvalue().split("\r")[-1]
    assert line.startswith("candidates 4/4  gradings 3/3  failures 1  elapsed 0:00  eta 0:00")
    assert stream.getvalue().endswith("\n")


def test_silent_without_a_stream() -> None:
    progress = Progress(None, 1, {"ann": 1})
    progress.done(report("ann"))
    progress.close()
    assert progress.line().startswith("candidates 1/1")


def test_format_seconds() -> None:
    assert [format_seconds(s) for s in (0, 59.6, 61, 3725)] == ["0:00", "1:00", "1:01", "1:02:05"]
