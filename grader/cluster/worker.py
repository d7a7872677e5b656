"""A grading host: consume the orders of its bank and sandbox image, grade each in the sandbox,
store the reply in the ledger.

Runs as a Celery worker (`grader worker --broker ...`). What a message may make it do is one thing:
grade the files it carries against a challenge of its own bank, in its own sandbox. The order names
the challenge and the digests it was planned with; the host refuses an order whose digests are not
its own (it never receives one in normal operation: its queue is named after its bank and image).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from grader.api import SandboxChoice, grade_files
from grader.batch.store import compute_limits_digest
from grader.challenges import Challenge, load_all
from grader.cluster.identity import bank_digest, image_key
from grader.cluster.ledger import Ledger, holder_name
from grader.cluster.protocol import GradingOrder, GradingReply, ProtocolError, ReplyStatus, queue_name
from grader.errors import GraderError, SubmissionError, one_line
from grader.resources import bank_dir
from grader.sandbox.base import Limits

log = logging.getLogger("grader.cluster")

# A grading that ended its host process this many times is given up: an infrastructure-error row
# (graded again by the next run of the batch), not an order that kills host after host forever.
MAX_ATTEMPTS = 3
LEASE_SECONDS = 30.0
RETRY_BACKOFF_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class GradingHost:
    """What this host serves."""

    name: str
    choice: SandboxChoice
    challenges: dict[str, Challenge]
    bank_digest: str
    image_key: str

    @property
    def queue(self) -> str:
        return queue_name(self.bank_digest, self.image_key)

    @classmethod
    def load(cls, name: str, choice: SandboxChoice, bank: Path | None = None) -> GradingHost:
        challenges = load_all(bank or bank_dir())
        return cls(name, choice, {c.slug: c for c in challenges}, bank_digest(challenges), image_key(choice))


def default_visibility_seconds(challenges: Iterable[Challenge]) -> float:
    """Longer than any grading of the bank can take, so that only a vanished host's orders return."""
    longest = max((c.limits.suite_seconds for c in challenges), default=300.0)
    return max(600.0, 2 * longest + 120)


class RetryLater(Exception):
    """An infrastructure failure with attempts left: Celery sends the order again after `countdown`."""

    def __init__(self, message: str, countdown: float) -> None:
        super().__init__(message)
        self.countdown = countdown


def serve(data: object, request_id: str, host: GradingHost, ledger: Ledger) -> GradingReply:
    """Grade one order (or find it graded); the reply is in the ledger when this returns.

    RetryLater when the sandbox or harness failed and attempts are left.
    """
    try:
        order = GradingOrder.from_dict(data)
    except ProtocolError as exc:
        log.error("refused order %s: %s", request_id, exc)
        return _finish(ledger, GradingReply(request_id, ReplyStatus.FAILED, error=f"refused: {exc}", host=host.name))
    if order.task_id != request_id:
        log.error("refused order %s: its id is not the digest of its work", request_id)
        reply = GradingReply(request_id, ReplyStatus.FAILED, error="refused: id mismatch", host=host.name)
        return _finish(ledger, reply)
    holder = holder_name()
    while not ledger.take_lease(order.task_id, holder, LEASE_SECONDS):
        # Another process grades this very work (an order delivered twice): its reply will do.
        found = _stored_reply(ledger, order)
        if found is not None:
            ledger.notify(order.notify, order.task_id)
            return found
        time.sleep(0.5)
    try:
        found = _stored_reply(ledger, order)
        if found is not None:
            ledger.notify(order.notify, order.task_id)
            return found  # graded already: a duplicate delivery grades nothing
        attempts = ledger.start_attempt(order.task_id)
        if attempts > MAX_ATTEMPTS:
            log.error("giving up %s (%s): it ended its host process %d times", order.task_id, order.slug, attempts - 1)
            error = f"gave up after {MAX_ATTEMPTS} attempts: the grading ended its grading host each time"
            reply = GradingReply(order.task_id, ReplyStatus.FAILED, error=error, host=host.name, attempts=attempts)
            return _finish(ledger, reply, attempts, order.notify)
        with _Renewal(ledger, order.task_id, holder):
            try:
                return _grade(order, host, ledger, attempts)
            except (RetryLater, redis.exceptions.RedisError):
                raise  # the broker's own failure: the order stays unacknowledged and comes back
            except Exception as exc:  # a fault of this host's grader: the cell fails, the batch goes on
                log.exception("grading %s (%s) broke this host", order.task_id, order.slug)
                error = f"grading host error: {one_line(exc)}"
                reply = GradingReply(order.task_id, ReplyStatus.FAILED, error=error, host=host.name, attempts=attempts)
                return _finish(ledger, reply, attempts, order.notify)
    finally:
        ledger.release_lease(order.task_id, holder)


def _stored_reply(ledger: Ledger, order: GradingOrder) -> GradingReply | None:
    raw = ledger.reply(order.task_id)
    if raw is None:
        return None
    try:
        return GradingReply.from_json(raw, order.slug, order.key)
    except ProtocolError:
        return None  # unreadable: graded again


def _grade(order: GradingOrder, host: GradingHost, ledger: Ledger, attempts: int) -> GradingReply:
    challenge = _challenge_for(order, host)
    if isinstance(challenge, str):
        log.error("refused order %s: %s", order.task_id, challenge)
        reply = GradingReply(order.task_id, ReplyStatus.FAILED, error=f"refused: {challenge}", host=host.name)
        return _finish(ledger, reply, attempts, order.notify)
    try:
        challenge.module_rules().check(order.files)
        result = grade_files(
            order.files,
            challenge,
            host.choice,
            suite=order.key.suite,
            run_id=f"cluster-{order.task_id[6:18]}-{attempts}",
            digest=order.key.submission,
        )
    except SubmissionError as exc:
        # Intake refused these files on the coordinator already; an order that carries them anyway is
        # refused here too, never retried.
        reply = GradingReply(order.task_id, ReplyStatus.FAILED, error=f"refused: {one_line(exc)}", host=host.name)
        return _finish(ledger, reply, attempts, order.notify)
    except (GraderError, OSError) as exc:
        message = one_line(exc)
        if attempts < MAX_ATTEMPTS:
            log.warning("grading %s (%s) failed, attempt %d: %s", order.task_id, order.slug, attempts, message)
            raise RetryLater(message, RETRY_BACKOFF_SECONDS * attempts) from None
        reply = GradingReply(order.task_id, ReplyStatus.FAILED, error=message, host=host.name, attempts=attempts)
        return _finish(ledger, reply, attempts, order.notify)
    reply = GradingReply(order.task_id, ReplyStatus.GRADED, result=result, host=host.name, attempts=attempts)
    return _finish(ledger, reply, attempts, order.notify)


def _challenge_for(order: GradingOrder, host: GradingHost) -> Challenge | str:
    """The host's challenge for the order, with the order's limits; a reason when it cannot serve it."""
    challenge = host.challenges.get(order.slug)
    if challenge is None:
        return f"challenge {order.slug!r} is not in this host's bank"
    # Read again for every order (a few milliseconds): a bank edited under a running host must not
    # grade with new files under the digest the host started with.
    if challenge.digest() != order.key.challenge:
        return f"challenge {order.slug!r} differs from the coordinator's (digest {challenge.digest()[:12]})"
    if order.key.image != host.image_key:
        return f"sandbox image {order.key.image!r} is not this host's {host.image_key!r}"
    if compute_limits_digest(order.limits) != order.key.limits:
        return "the limits do not match the key's digest"
    try:
        limits = Limits(**{**challenge.limits.to_dict(), **order.limits})
    except TypeError as exc:
        return f"bad limits ({exc})"
    if limits.to_dict() != dict(order.limits):
        return "the limits are not a full set of this grader's limits"
    return dataclasses.replace(challenge, limits=limits)


def _finish(ledger: Ledger, reply: GradingReply, attempts: int = 1, notify: str = "") -> GradingReply:
    ledger.put_reply(reply.task_id, reply.to_json(), failed=reply.status is ReplyStatus.FAILED, notify=notify)
    log.info("%s %s (attempt %d)", reply.task_id, reply.status.value, attempts)
    return reply


class _Renewal:
    """Keeps a lease alive while a grading runs, from a thread of its own."""

    def __init__(self, ledger: Ledger, task_id: str, holder: str) -> None:
        self._ledger, self._task_id, self._holder = ledger, task_id, holder
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease", daemon=True)

    def __enter__(self) -> _Renewal:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(LEASE_SECONDS / 3):
            try:
                self._ledger.renew_lease(self._task_id, self._holder, LEASE_SECONDS)
            except Exception as exc:  # the broker blinked: the next renewal may work; the grading goes on
                log.warning("cannot renew the lease of %s: %s", self._task_id, one_line(exc))


# ---------------------------------------------------------------- the Celery side


_HOST: GradingHost | None = None
_LEDGER: Ledger | None = None


def register(app: Any, host: GradingHost, broker_url: str) -> None:
    """Register the grading task on `app` for `host` (the process-wide host of this worker)."""
    global _HOST
    _HOST = host

    @app.task(name="grader.grade", bind=True, max_retries=None)  # type: ignore[untyped-decorator]
    def grade(self: Any, order: object) -> None:
        global _LEDGER
        if _LEDGER is None:  # one connection pool per pool process, made after the fork
            from grader.cluster.app import redis_client

            _LEDGER = Ledger(redis_client(broker_url))
        assert _HOST is not None
        try:
            serve(order, str(self.request.id), _HOST, _LEDGER)
        except RetryLater as exc:
            raise self.retry(countdown=exc.countdown) from None


def run_worker(
    broker_url: str,
    host: GradingHost,
    *,
    concurrency: int,
    visibility_seconds: float,
    loglevel: str = "INFO",
) -> None:
    """Serve orders until stopped (SIGTERM: finish the running gradings, then exit)."""
    from grader.cluster.app import check_broker, make_app, redact

    check_broker(broker_url).close()  # an unreachable broker is one clear error, not a retry loop
    app = make_app(broker_url, visibility_seconds)
    register(app, host, broker_url)
    log.info(
        "grading host %s on %s: bank %s, sandbox %s, queue %s, %d process(es)",
        host.name, redact(broker_url), host.bank_digest[:16], host.image_key, host.queue, concurrency,
    )  # fmt: skip
    app.worker_main(
        [
            "worker",
            "--hostname", host.name,
            "--queues", host.queue,
            "--concurrency", str(concurrency),
            "--loglevel", loglevel,
            "--without-mingle",
            "--without-gossip",
        ]
    )  # fmt: skip
