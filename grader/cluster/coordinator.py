"""The coordinator's side of a batch: send each planned grading as an order through the broker and
save each reply the moment it arrives, exactly where the local batch saves its results.

Resumable like the local batch, and more: an order's id is the digest of its work, so a coordinator
that was killed and started again first collects what the hosts finished meanwhile, sends again
only what has no reply, and a re-sent order that a host already graded is not graded again (the
host finds the reply in the ledger).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.api import SandboxChoice
from grader.batch.runner import GradingTask, TaskOutcome, TaskReport
from grader.batch.store import StoredResult, save_result
from grader.cluster.app import GRADE_TASK, broker_errors, check_broker, make_app
from grader.cluster.identity import image_key, queue_for
from grader.cluster.ledger import Ledger
from grader.cluster.protocol import GradingOrder, GradingReply, ProtocolError, ReplyStatus, notify_key

log = logging.getLogger("grader.cluster")

# The longest the coordinator waits for a wake-up before it looks at every pending reply itself.
WAKE_SECONDS = 1.0


@dataclass(slots=True)
class CoordinatorStats:
    """The coordinator's own time: connecting once, then per order sending it, and checking and
    saving its reply (polls included); the grading hosts' time is not in it."""

    orders: int = 0
    sent: int = 0
    collected: int = 0  # replies found already there when the run started
    startup_s: float = 0.0
    overhead_s: float = 0.0  # wall time: on a machine busy grading, it includes waiting for a core
    overhead_cpu_s: float = 0.0  # the coordinator's own CPU time: what it costs wherever it runs

    @property
    def overhead_per_order_ms(self) -> float:
        return 1000 * self.overhead_s / self.orders if self.orders else 0.0

    @property
    def cpu_per_order_ms(self) -> float:
        return 1000 * self.overhead_cpu_s / self.orders if self.orders else 0.0


@dataclass
class Coordinator:
    """The cluster as a batch's executor (grader.batch.runner.RemoteGrading): orders go to the
    hosts serving this machine's bank and `choice`'s sandbox image."""

    broker_url: str
    choice: SandboxChoice
    stats: CoordinatorStats = field(default_factory=CoordinatorStats)

    @property
    def image_key(self) -> str:
        return image_key(self.choice)

    def execute(
        self,
        tasks: Sequence[GradingTask],
        out_dir: Path,
        *,
        force: bool,
        on_done: Callable[[TaskReport], None],
        on_tick: Callable[[], None],
    ) -> list[TaskReport]:
        return execute_remote(
            tasks,
            out_dir,
            broker_url=self.broker_url,
            queue=queue_for(self.choice),
            force=force,
            on_done=on_done,
            on_tick=on_tick,
            stats=self.stats,
        )


def execute_remote(
    tasks: Sequence[GradingTask],
    out_dir: Path,
    *,
    broker_url: str,
    queue: str,
    force: bool = False,
    on_done: Callable[[TaskReport], None] = lambda report: None,
    on_tick: Callable[[], None] = lambda: None,
    stats: CoordinatorStats | None = None,
    app: Any = None,
) -> list[TaskReport]:
    """Grade `tasks` on the hosts consuming `queue`; return a report per task, like `execute`.

    On Ctrl-C the orders already sent stay queued (the hosts go on grading them) and the
    KeyboardInterrupt propagates; the same command collects their replies later.
    """
    stats = stats if stats is not None else CoordinatorStats()
    with broker_errors(broker_url):
        return _execute(tasks, out_dir, broker_url, queue, force, on_done, on_tick, stats, app)


def _execute(
    tasks: Sequence[GradingTask],
    out_dir: Path,
    broker_url: str,
    queue: str,
    force: bool,
    on_done: Callable[[TaskReport], None],
    on_tick: Callable[[], None],
    stats: CoordinatorStats,
    app: Any,
) -> list[TaskReport]:
    connecting = time.monotonic()
    ledger = Ledger(check_broker(broker_url))
    app = app or make_app(broker_url)
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=3)
        stats.startup_s += time.monotonic() - connecting
        started, started_cpu = time.monotonic(), time.thread_time()
        waiting: dict[str, list[GradingTask]] = {}
        orders: dict[str, GradingOrder] = {}
        notify = notify_key(secrets.token_hex(16))
        for task in tasks:
            order = GradingOrder(task.challenge.slug, task.key, task.challenge.limits.to_dict(), task.files, notify)
            orders[order.task_id] = order
            waiting.setdefault(order.task_id, []).append(task)
        stats.orders = len(tasks)
        ids = list(orders)
        found = ledger.replies(ids)
        # A failed (or unreadable) grading is graded again by the next run, as in the local batch;
        # with --force, every one is.
        usable = {task_id for task_id, raw in found.items() if not force and _graded(raw, orders[task_id])}
        ledger.forget([task_id for task_id in found if task_id not in usable])
        sent_at: dict[str, float] = {}
        for task_id in ids:
            if task_id in usable:
                stats.collected += 1
                continue
            order_data = orders[task_id].to_dict()
            app.send_task(GRADE_TASK, args=[order_data], task_id=task_id, queue=queue, producer=producer)
            sent_at[task_id] = time.monotonic()
            stats.sent += 1
        stats.overhead_s += time.monotonic() - started
        stats.overhead_cpu_s += time.thread_time() - started_cpu
    reports: list[TaskReport] = []
    pending = set(ids)
    woken: list[str] = []
    try:
        while pending:
            tick, tick_cpu = time.monotonic(), time.thread_time()
            # After a wake-up, only the ids that woke us; after a quiet second, every pending one
            # (a reply whose wake-up went elsewhere, such as to an earlier run of this batch).
            looked_at = sorted(pending.intersection(woken)) if woken else sorted(pending)
            for task_id, raw in ledger.replies(looked_at).items():
                pending.discard(task_id)
                for task in waiting[task_id]:
                    seconds = time.monotonic() - sent_at.get(task_id, tick)
                    report = _save(task, orders[task_id], raw, out_dir, seconds)
                    reports.append(report)
                    on_done(report)
            stats.overhead_s += time.monotonic() - tick
            stats.overhead_cpu_s += time.thread_time() - tick_cpu
            on_tick()
            if pending:
                woken = ledger.wait_notified(notify, WAKE_SECONDS)
    finally:
        ledger.client.delete(notify)
    return reports


def _graded(raw: bytes, order: GradingOrder) -> bool:
    try:
        return GradingReply.from_json(raw, order.slug, order.key).status is ReplyStatus.GRADED
    except ProtocolError:
        return False


def _save(task: GradingTask, order: GradingOrder, raw: bytes, out_dir: Path, seconds: float) -> TaskReport:
    """Check a reply against its order and save its result atomically; a report either way."""
    slug = task.challenge.slug
    try:
        reply = GradingReply.from_json(raw, order.slug, order.key)
    except ProtocolError as exc:
        log.warning("reply for %s/%s refused: %s", task.candidate, slug, exc)
        return TaskReport(task.candidate, slug, task.key.suite, TaskOutcome.FAILED, seconds, f"bad reply: {exc}")
    if reply.status is ReplyStatus.FAILED or reply.result is None:
        log.warning("grading %s/%s failed on %s: %s", task.candidate, slug, reply.host or "?", reply.error)
        return TaskReport(task.candidate, slug, task.key.suite, TaskOutcome.FAILED, seconds, reply.error or "failed")
    save_result(out_dir, StoredResult(task.candidate, slug, task.key, reply.result))
    return TaskReport(task.candidate, slug, task.key.suite, TaskOutcome.GRADED, seconds)
