"""A grading host's decisions, on a real Redis: grade once, refuse what it cannot serve, retry
infrastructure failures a bounded number of times, take over the lease of a dead process."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import redis

from grader.api import SandboxChoice
from grader.batch.store import ResultKey, compute_limits_digest
from grader.cluster import worker
from grader.cluster.ledger import PREFIX, Ledger
from grader.cluster.protocol import GradingOrder, ReplyStatus, notify_key
from grader.cluster.worker import MAX_ATTEMPTS, GradingHost, RetryLater, serve
from grader.errors import HarnessError
from grader.submission import compute_digest
from tests.batch.factory import make_bank, toy

FILES = {"solution.py": toy("correct").encode()}


@pytest.fixture
def host(tmp_path: Path) -> GradingHost:
    return GradingHost.load("h1@test", SandboxChoice("local"), make_bank(tmp_path / "bank", ["toy-sum"]))


@pytest.fixture
def ledger(broker: str) -> Ledger:
    return Ledger(redis.Redis.from_url(broker))


def order_for(host: GradingHost, files: dict[str, bytes] = FILES, **key_changes: Any) -> GradingOrder:
    challenge = host.challenges["toy-sum"]
    limits = challenge.limits.to_dict()
    key = ResultKey(compute_digest(files), challenge.digest(), compute_limits_digest(limits), host.image_key)
    return GradingOrder("toy-sum", dataclasses.replace(key, **key_changes), limits, files)


def test_an_order_delivered_twice_is_graded_once(
    host: GradingHost, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = order_for(host)
    first = serve(order.to_dict(), order.task_id, host, ledger)
    assert first.status is ReplyStatus.GRADED and first.result is not None and first.result.percent == 100

    def no_second_grading(*args: object, **kwargs: object) -> None:
        raise AssertionError("graded twice")

    monkeypatch.setattr(worker, "grade_files", no_second_grading)
    again = serve(order.to_dict(), order.task_id, host, ledger)
    assert again == first
    assert int(ledger.client.get(PREFIX + "attempts:" + order.task_id)) == 1


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"challenge": "0" * 64}, "differs from the coordinator's"),
        ({"image": "grader-sandbox:000000000000"}, "is not this host's"),
        ({"limits": "0" * 16}, "limits do not match"),
    ],
)
def test_an_order_the_host_cannot_serve_is_refused_not_graded(
    host: GradingHost, ledger: Ledger, changes: dict[str, str], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(worker, "grade_files", lambda *a, **k: pytest.fail("graded an order it cannot serve"))
    order = order_for(host, **changes)
    reply = serve(order.to_dict(), order.task_id, host, ledger)
    assert reply.status is ReplyStatus.FAILED
    assert reason in reply.error


def test_an_order_whose_id_is_not_its_work_is_refused(host: GradingHost, ledger: Ledger) -> None:
    order = order_for(host)
    reply = serve(order.to_dict(), "grade-" + "0" * 40, host, ledger)
    assert reply.status is ReplyStatus.FAILED and "id mismatch" in reply.error


def test_a_submission_breaking_the_module_rules_is_refused(host: GradingHost, ledger: Ledger) -> None:
    order = order_for(host, files={"solution.py": FILES["solution.py"], "json.py": b"x = 1\n"})
    reply = serve(order.to_dict(), order.task_id, host, ledger)
    assert reply.status is ReplyStatus.FAILED and "reserved" in reply.error


def test_infrastructure_failures_are_retried_up_to_the_cap(
    host: GradingHost, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_harness(*args: object, **kwargs: object) -> None:
        raise HarnessError("harness for toy-sum failed (exit 1): engine gone")

    monkeypatch.setattr(worker, "grade_files", broken_harness)
    order = order_for(host)
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RetryLater):
            serve(order.to_dict(), order.task_id, host, ledger)
        assert ledger.reply(order.task_id) is None
    last = serve(order.to_dict(), order.task_id, host, ledger)
    assert last.status is ReplyStatus.FAILED and "engine gone" in last.error and last.attempts == MAX_ATTEMPTS


def test_a_submissions_own_failure_is_a_verdict_never_retried(host: GradingHost, ledger: Ledger) -> None:
    order = order_for(host, files={"solution.py": b"import os\nos._exit(9)\n"})
    reply = serve(order.to_dict(), order.task_id, host, ledger)
    assert reply.status is ReplyStatus.GRADED and reply.result is not None and reply.result.percent == 0
    assert reply.attempts == 1


def test_the_lease_of_a_dead_process_on_this_host_is_taken_over(host: GradingHost, ledger: Ledger) -> None:
    order = order_for(host)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = f"{worker.holder_name().rpartition(':')[0]}:{dead.stdout.strip()}"
    assert ledger.take_lease(order.task_id, stale, 600)
    reply = serve(order.to_dict(), order.task_id, host, ledger)
    assert reply.status is ReplyStatus.GRADED


def test_a_live_lease_is_not_taken(ledger: Ledger) -> None:
    assert ledger.take_lease("grade-x", "elsewhere:1", 600)
    assert not ledger.take_lease("grade-x", worker.holder_name(), 600)
    ledger.release_lease("grade-x", worker.holder_name())  # not ours: stays
    assert not ledger.take_lease("grade-x", worker.holder_name(), 600)
    ledger.release_lease("grade-x", "elsewhere:1")
    assert ledger.take_lease("grade-x", worker.holder_name(), 600)


def test_the_coordinator_is_woken_for_a_reply_and_for_a_duplicate(host: GradingHost, ledger: Ledger) -> None:
    notify = notify_key("cd" * 16)
    order = dataclasses.replace(order_for(host), notify=notify)
    serve(order.to_dict(), order.task_id, host, ledger)
    assert ledger.wait_notified(notify, 1.0) == [order.task_id]
    serve(order.to_dict(), order.task_id, host, ledger)  # delivered again: graded already
    assert ledger.wait_notified(notify, 1.0) == [order.task_id]
    assert ledger.wait_notified(notify, 0.1) == []


def test_a_fault_of_the_host_fails_the_cell_not_the_host(
    host: GradingHost, ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def buggy(*args: object, **kwargs: object) -> None:
        raise ValueError("a bug in this host's grader")

    monkeypatch.setattr(worker, "grade_files", buggy)
    order = order_for(host)
    reply = serve(order.to_dict(), order.task_id, host, ledger)
    assert reply.status is ReplyStatus.FAILED and "grading host error: a bug" in reply.error
    assert ledger.take_lease(order.task_id, "next:1", 5)  # the lease was given back
