"""The broker's messages: what a grading host accepts as an order and what the coordinator
accepts as a reply. Everything in a message is hostile until checked."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.batch.store import ResultKey, compute_limits_digest
from grader.cluster.protocol import (
    MAX_REPLY_BYTES,
    GradingOrder,
    GradingReply,
    ProtocolError,
    ReplyStatus,
    notify_key,
    queue_name,
    task_id,
)
from grader.models import GradeResult, GradeStatus, Suite
from grader.sandbox.base import Limits
from grader.submission import compute_digest

LIMITS = Limits().to_dict()


def order_for(files: dict[str, bytes], slug: str = "toy-sum") -> GradingOrder:
    key = ResultKey(compute_digest(files), "c" * 64, compute_limits_digest(LIMITS), "local", Suite.HIDDEN)
    return GradingOrder(slug, key, LIMITS, files)


def result_for(order: GradingOrder, **changes: object) -> GradeResult:
    fields: dict[str, object] = {
        "challenge": order.slug,
        "suite": order.key.suite,
        "submission_sha256": order.key.submission,
        "status": GradeStatus.GRADED,
        "score": 1.0,
        "max_score": 2.0,
        "percent": 50.0,
        "tests": (),
        "sandbox": {"backend": "local"},
        "grader_version": "0.1.0",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T00:00:01+00:00",
        **changes,
    }
    return GradeResult(**fields)  # type: ignore[arg-type]


names = st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,10}", fullmatch=True), min_size=1, max_size=3).map("/".join)


@given(st.dictionaries(names.map(lambda n: n + ".py"), st.binary(max_size=300), min_size=1, max_size=5))
def test_an_order_survives_the_broker_unchanged(files: dict[str, bytes]) -> None:
    # Names that are both a file and a folder are refused at intake; keep the generated ones apart.
    if any(other.startswith(name[:-3] + "/") for name in files for other in files):
        return
    order = order_for(files)
    assert GradingOrder.from_dict(json.loads(json.dumps(order.to_dict()))) == order


def encoded(order: GradingOrder, **changes: object) -> dict[str, object]:
    return {**order.to_dict(), **changes}


GOOD = order_for({"solution.py": b"def add(a, b):\n    return a + b\n"})


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("not an object", "not a grading order"),
        (encoded(GOOD, protocol=99), "not a grading order"),
        (encoded(GOOD, slug="../etc"), "bad challenge slug"),
        (encoded(GOOD, files={"../escape.py": base64.b64encode(b"x").decode()}), "'..' in path"),
        (encoded(GOOD, files={"/abs.py": base64.b64encode(b"x").decode()}), "absolute path"),
        (encoded(GOOD, files={"solution.py": "not base64!"}), "not base64"),
        (encoded(GOOD, files={"solution.py": base64.b64encode(b"changed").decode()}), "submission digest"),
        (encoded(GOOD, files={"solution.py": base64.b64encode(b"x" * (3 * 1024 * 1024)).decode()}), "larger"),
        (encoded(GOOD, files={"./solution.py": base64.b64encode(b"x").decode()}), "normal form"),
        (encoded(GOOD, key={**GOOD.key.to_dict(), "challenge": "zz"}), "not a hex digest"),
        (encoded(GOOD, key="nope"), "missing"),
        (encoded(GOOD, notify="grader:v1:reply:grade-0"), "bad notify key"),
        (encoded(GOOD, notify=["grader:v1:notify:" + "0" * 32]), "bad notify key"),
    ],
)
def test_a_bad_order_is_refused_with_a_reason(data: object, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        GradingOrder.from_dict(data)


def test_the_wake_up_list_travels_but_is_not_part_of_the_work() -> None:
    woken = GradingOrder(GOOD.slug, GOOD.key, GOOD.limits, GOOD.files, notify_key("ab" * 16))
    assert GradingOrder.from_dict(woken.to_dict()) == woken
    assert woken.task_id == GOOD.task_id
    with pytest.raises(ProtocolError):
        notify_key("../../somewhere")


def test_the_id_is_the_work_not_who_asked() -> None:
    again = order_for({"solution.py": b"def add(a, b):\n    return a + b\n"})
    assert again.task_id == GOOD.task_id
    other = order_for({"solution.py": b"def add(a, b):\n    return b + a\n"})
    assert other.task_id != GOOD.task_id
    visible = ResultKey(*[getattr(GOOD.key, f) for f in ("submission", "challenge", "limits", "image")], Suite.VISIBLE)
    assert task_id(GOOD.slug, visible) != GOOD.task_id


def test_a_reply_round_trips() -> None:
    reply = GradingReply(GOOD.task_id, ReplyStatus.GRADED, result_for(GOOD), host="h1@test", attempts=2)
    assert GradingReply.from_json(reply.to_json(), GOOD.slug, GOOD.key) == reply


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (GradingReply("grade-other", ReplyStatus.GRADED, result_for(GOOD)), "another order"),
        (GradingReply(GOOD.task_id, ReplyStatus.GRADED, result_for(GOOD, challenge="lru-cache")), "another"),
        (GradingReply(GOOD.task_id, ReplyStatus.GRADED, result_for(GOOD, submission_sha256="0" * 64)), "another"),
        (GradingReply(GOOD.task_id, ReplyStatus.GRADED, result_for(GOOD, suite=Suite.VISIBLE)), "another"),
        (GradingReply(GOOD.task_id, ReplyStatus.GRADED, None), "without a result"),
    ],
)
def test_a_reply_for_other_work_is_refused(reply: GradingReply, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        GradingReply.from_json(reply.to_json(), GOOD.slug, GOOD.key)


def test_an_oversized_or_garbled_reply_is_refused_before_parsing() -> None:
    with pytest.raises(ProtocolError, match="larger than"):
        GradingReply.from_json(b" " * (MAX_REPLY_BYTES + 1), GOOD.slug, GOOD.key)
    with pytest.raises(ProtocolError, match="not JSON"):
        GradingReply.from_json(b"{", GOOD.slug, GOOD.key)
    bad_status = json.dumps({**GradingReply(GOOD.task_id, ReplyStatus.FAILED).to_dict(), "status": "great"})
    with pytest.raises(ProtocolError, match="unknown status"):
        GradingReply.from_json(bad_status, GOOD.slug, GOOD.key)


def test_hosts_of_different_banks_or_images_consume_different_queues() -> None:
    assert queue_name("a" * 64, "local") != queue_name("b" * 64, "local")
    assert queue_name("a" * 64, "grader-sandbox:111111111111") != queue_name("a" * 64, "grader-sandbox:222222222222")
    assert queue_name("a" * 64, "grader-sandbox:111111111111").startswith("grader.aaaaaaaaaaaaaaaa.")
