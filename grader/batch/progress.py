"""Live progress of a batch on stderr, drawn by rich: what is being graded now, a bar of gradings,
counts named plainly (graded, reused, grading failed), elapsed time and a smoothed ETA.

Quiet (draws nothing) when stderr is not a terminal or with --quiet; the summary table at the end
goes to stdout either way. `line()` gives the same facts as one plain line (tests, logs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress

from grader.batch.runner import GradingTask, TaskOutcome, TaskReport

# rich's ETA is the remaining count over a speed averaged on that window: one slow grading no
# longer swings it (a plain done/elapsed estimate climbed from 0:21 to 1:07 during one).
from grader.terminal import SPEED_WINDOW_SECONDS

SHOWN_RUNNING = 3


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts finished gradings per candidate; draws them live when given a console."""

    def __init__(self, console: Console | None, candidates: int, tasks_per_candidate: Mapping[str, int]) -> None:
        """`console` None: count, draw nothing."""
        self.total_candidates = candidates
        self.remaining = dict(tasks_per_candidate)
        # Candidates with nothing to grade (intake errors, nothing submitted) are done already.
        self.candidates_done = candidates - sum(1 for count in self.remaining.values() if count > 0)
        self.tasks_total = sum(self.remaining.values())
        self.tasks_done = 0
        self.counts = {outcome: 0 for outcome in TaskOutcome}
        self.started = time.monotonic()
        self._running: dict[tuple[str, str], None] = {}
        self._lock = threading.Lock()  # `start` is called from the grading threads
        self._bar: RichProgress | None = None
        self._task_id = None
        if console is not None:
            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                console=console,
                speed_estimate_period=SPEED_WINDOW_SECONDS,
                transient=False,
            )
            self._bar.start()
            self._task_id = self._bar.add_task(self.running(), total=self.tasks_total, counts=self.counts_text())

    def start(self, task: GradingTask) -> None:
        with self._lock:
            self._running[(task.candidate, task.challenge.slug)] = None

    def done(self, report: TaskReport) -> None:
        self.tasks_done += 1
        self.counts[report.outcome] += 1
        with self._lock:
            self._running.pop((report.candidate, report.challenge), None)
        left = self.remaining.get(report.candidate, 0) - 1
        self.remaining[report.candidate] = left
        if left == 0:
            self.candidates_done += 1
        self.draw()

    def running(self) -> str:
        with self._lock:
            now = [f"{candidate}/{slug}" for candidate, slug in self._running]
        if not now:
            return "grading" if self.tasks_done < self.tasks_total else "done"
        more = f" +{len(now) - SHOWN_RUNNING}" if len(now) > SHOWN_RUNNING else ""
        return "grading " + ", ".join(now[:SHOWN_RUNNING]) + more

    def counts_text(self) -> str:
        failed = self.counts[TaskOutcome.FAILED]
        text = f"graded {self.counts[TaskOutcome.GRADED]}, reused {self.counts[TaskOutcome.REUSED]}"
        return text + (f", grading failed {failed}" if failed else "")

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        return (
            f"candidates {self.candidates_done}/{self.total_candidates}  "
            f"gradings {self.tasks_done}/{self.tasks_total}  {self.counts_text()}  "
            f"elapsed {format_seconds(elapsed)}"
        )

    def draw(self) -> None:
        if self._bar is not None and self._task_id is not None:
            self._bar.update(
                self._task_id, completed=self.tasks_done, description=self.running(), counts=self.counts_text()
            )

    def close(self) -> None:
        if self._bar is not None:
            self.draw()
            self._bar.stop()
