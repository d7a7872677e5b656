"""Plan and run the gradings of a batch: skip what is already graded, grade the rest in a bounded pool.

Each grading runs in its own harness subprocess (and, with Docker, its own containers), so a
thread pool of `jobs` threads bounds both. A result is saved atomically the moment it is done;
a submission's failure is a result, an infrastructure failure is a FAILED task (nothing
saved, so the next run retries it), and neither stops the batch.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from grader.api import SandboxChoice, grade_files
from grader.batch.intake import Candidate
from grader.batch.store import ResultKey, StoredResult, compute_limits_digest, load_matching, save_result
from grader.challenges import Challenge
from grader.errors import GraderError
from grader.models import Suite
from grader.submission import compute_digest

log = logging.getLogger(__name__)

LOCAL_IMAGE_KEY = "local"


class TaskOutcome(enum.StrEnum):
    GRADED = "graded"
    REUSED = "reused"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class GradingTask:
    candidate: str
    challenge: Challenge
    files: Mapping[str, bytes]
    key: ResultKey


@dataclass(frozen=True, slots=True)
class TaskReport:
    candidate: str
    challenge: str
    suite: Suite
    outcome: TaskOutcome
    seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    todo: tuple[GradingTask, ...]
    reused: tuple[TaskReport, ...]
    keys: Mapping[tuple[str, str, Suite], ResultKey]
    """The key every (candidate, challenge, suite) with files must have: what the report reads."""

    def tasks_per_candidate(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for candidate in [t.candidate for t in self.todo] + [r.candidate for r in self.reused]:
            counts[candidate] = counts.get(candidate, 0) + 1
        return counts


class RemoteGrading(Protocol):
    """Grades a batch's tasks somewhere else (grader.cluster's coordinator) and saves each result
    into OUT as `execute` does; `image_key` names the sandbox the results are keyed by."""

    @property
    def image_key(self) -> str: ...

    def execute(
        self,
        tasks: Sequence[GradingTask],
        out_dir: Path,
        *,
        force: bool,
        on_done: Callable[[TaskReport], None],
        on_tick: Callable[[], None],
    ) -> list[TaskReport]: ...


def plan_tasks(
    candidates: Sequence[Candidate],
    challenges: Sequence[Challenge],
    out_dir: Path,
    image_key: str,
    *,
    force: bool = False,
    suites: Sequence[Suite] = (Suite.HIDDEN,),
) -> Plan:
    """Every (candidate, challenge, suite) with files to grade: reused when its stored key matches."""
    todo: list[GradingTask] = []
    reused: list[TaskReport] = []
    keys: dict[tuple[str, str, Suite], ResultKey] = {}
    digests = {c.slug: c.digest() for c in challenges}
    limits = {c.slug: compute_limits_digest(c.limits.to_dict()) for c in challenges}
    for candidate in candidates:
        if not candidate.ok:
            continue
        for challenge in challenges:
            files = candidate.submissions.get(challenge.slug)
            if not files:
                continue
            submission = compute_digest(dict(files))
            for suite in suites:
                key = ResultKey(submission, digests[challenge.slug], limits[challenge.slug], image_key, suite)
                keys[(candidate.id, challenge.slug, suite)] = key
                if not force and load_matching(out_dir, candidate.id, challenge.slug, key) is not None:
                    reused.append(TaskReport(candidate.id, challenge.slug, suite, TaskOutcome.REUSED))
                else:
                    todo.append(GradingTask(candidate.id, challenge, files, key))
    return Plan(tuple(todo), tuple(reused), keys)


def run_id_prefix(out_dir: Path) -> str:
    """Containers of every batch writing to `out_dir` carry this prefix in their run label."""
    return "batch-" + hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:10] + "-"


def grade_task(task: GradingTask, choice: SandboxChoice, out_dir: Path, run_id: str) -> TaskReport:
    """Grade one task and save its result; infrastructure errors become a FAILED report."""
    started = time.monotonic()
    try:
        result = grade_files(
            task.files, task.challenge, choice, suite=task.key.suite, run_id=run_id, digest=task.key.submission
        )
        save_result(out_dir, StoredResult(task.candidate, task.challenge.slug, task.key, result))
    except (GraderError, OSError) as exc:
        log.warning("grading %s/%s failed: %s", task.candidate, task.challenge.slug, exc)
        lines = str(exc).strip().splitlines()
        return TaskReport(
            task.candidate,
            task.challenge.slug,
            task.key.suite,
            TaskOutcome.FAILED,
            time.monotonic() - started,
            lines[0] if lines else type(exc).__name__,
        )
    return TaskReport(
        task.candidate, task.challenge.slug, task.key.suite, TaskOutcome.GRADED, time.monotonic() - started
    )


def _started(
    on_start: Callable[[GradingTask], None], task: GradingTask, choice: SandboxChoice, out_dir: Path, run_id: str
) -> TaskReport:
    on_start(task)
    return grade_task(task, choice, out_dir, run_id)


def execute(
    tasks: Sequence[GradingTask],
    choice: SandboxChoice,
    out_dir: Path,
    *,
    jobs: int,
    run_prefix: str,
    on_done: Callable[[TaskReport], None] = lambda report: None,
    on_tick: Callable[[], None] = lambda: None,
    on_start: Callable[[GradingTask], None] = lambda task: None,
) -> list[TaskReport]:
    """Run `tasks` with at most `jobs` at once; `on_done` and `on_tick` run on the calling thread,
    `on_start` on the grading thread as a grading begins (it must be thread-safe).

    On Ctrl-C no new grading starts, the running ones finish (their results are kept) and the
    KeyboardInterrupt propagates.
    """
    session = f"{run_prefix}{time.strftime('%H%M%S')}-"
    reports: list[TaskReport] = []
    executor = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    pending: set[Future[TaskReport]] = set()
    try:
        for number, task in enumerate(tasks):
            pending.add(executor.submit(_started, on_start, task, choice, out_dir, f"{session}{number}"))
        while pending:
            done, pending = wait(pending, timeout=1.0, return_when=FIRST_COMPLETED)
            for future in done:
                report = future.result()
                reports.append(report)
                on_done(report)
            on_tick()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return reports
