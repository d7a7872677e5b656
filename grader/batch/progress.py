"""A one-line progress display on stderr: candidates done / total, failures, elapsed, ETA.

Quiet (draws nothing) when stderr is not a terminal or with --quiet; the summary table at the
end goes to stdout either way.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TextIO

from grader.batch.runner import TaskOutcome, TaskReport


def format_seconds(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts finished gradings per candidate and redraws one status line."""

    def __init__(
        self,
        stream: TextIO | None,
        candidates: int,
        tasks_per_candidate: Mapping[str, int],
    ) -> None:
        """`stream` None: count, draw nothing."""
        self.stream = stream
        self.total_candidates = candidates
        self.remaining = dict(tasks_per_candidate)
        # Candidates with nothing to grade (intake errors, nothing submitted) are done already.
        self.candidates_done = candidates - sum(1 for count in self.remaining.values() if count > 0)
        self.tasks_total = sum(self.remaining.values())
        self.tasks_done = 0
        self.graded = 0
        self.failures = 0
        self.started = time.monotonic()
        self._width = 0

    def done(self, report: TaskReport) -> None:
        self.tasks_done += 1
        if report.outcome is TaskOutcome.FAILED:
            self.failures += 1
        if report.outcome is not TaskOutcome.REUSED:
            self.graded += 1
        left = self.remaining.get(report.candidate, 0) - 1
        self.remaining[report.candidate] = left
        if left == 0:
            self.candidates_done += 1
        self.draw()

    def line(self) -> str:
        elapsed = time.monotonic() - self.started
        to_grade = self.tasks_total - self.tasks_done
        if self.graded and to_grade:
            eta = format_seconds(elapsed / self.graded * to_grade)
        else:
            eta = "--:--" if to_grade else "0:00"
        return (
            f"candidates {self.candidates_done}/{self.total_candidates}  "
            f"gradings {self.tasks_done}/{self.tasks_total}  failures {self.failures}  "
            f"elapsed {format_seconds(elapsed)}  eta {eta}"
        )

    def draw(self) -> None:
        if self.stream is None:
            return
        text = self.line()
        padding = " " * max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self._width:
            self.stream.write("\n")
            self.stream.flush()
