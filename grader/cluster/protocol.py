"""What travels through the broker: a grading order (coordinator -> grading host) and its reply.

Both are JSON objects (Celery is configured to accept nothing else, so no message can carry a
pickle). Everything is checked on arrival: an order's files go through the intake caps again on
the grading host, and a reply is checked against the order it answers before the coordinator
writes it. Pure: no broker, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import hashlib
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from grader.batch.store import ResultKey
from grader.errors import InputError, SubmissionError
from grader.models import GradeResult
from grader.submission import Collector, IntakeLimits, compute_digest

PROTOCOL_VERSION = 1
# A reply holds one GradeResult: its tests' messages and output are capped by the harness, so a few
# MB is far past any honest reply; a larger one is refused before it is parsed.
MAX_REPLY_BYTES = 8 * 1024 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{16,64}$")
_QUEUE_PART = re.compile(r"[^0-9a-z]+")
NOTIFY_PREFIX = "grader:v1:notify:"
_NOTIFY = re.compile(rf"^{re.escape(NOTIFY_PREFIX)}[0-9a-f]{{32}}$")


class ProtocolError(InputError):
    """A message that is not what the protocol allows."""


class ReplyStatus(enum.StrEnum):
    GRADED = "graded"
    FAILED = "failed"  # infrastructure: nothing saved, the next run of the batch grades it again


@dataclass(frozen=True, slots=True)
class GradingOrder:
    """One grading: which challenge (and the digests the result depends on) and the files."""

    slug: str
    key: ResultKey
    limits: Mapping[str, Any]
    files: Mapping[str, bytes]
    notify: str = ""
    """The coordinator's wake-up list (`notify_key`): the host pushes the order's id there when the
    reply is stored. Not part of the work: the same work sent again has the same id."""

    @property
    def task_id(self) -> str:
        return task_id(self.slug, self.key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "slug": self.slug,
            "key": self.key.to_dict(),
            "limits": dict(self.limits),
            "files": {name: base64.b64encode(content).decode("ascii") for name, content in self.files.items()},
            "notify": self.notify,
        }

    @classmethod
    def from_dict(cls, data: object, intake: IntakeLimits | None = None) -> GradingOrder:
        """The order in `data`, its files re-checked against the intake caps; ProtocolError if not."""
        if not isinstance(data, Mapping) or data.get("protocol") != PROTOCOL_VERSION:
            raise ProtocolError(f"not a grading order of protocol {PROTOCOL_VERSION}")
        slug, key, limits, encoded = (data.get(name) for name in ("slug", "key", "limits", "files"))
        if not isinstance(slug, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", slug):
            raise ProtocolError("order: bad challenge slug")
        if not isinstance(key, Mapping) or not isinstance(limits, Mapping) or not isinstance(encoded, Mapping):
            raise ProtocolError("order: key, limits or files missing")
        try:
            parsed_key = ResultKey.from_dict(key)
        except (InputError, ValueError):
            raise ProtocolError("order: malformed key") from None
        if not all(_DIGEST.match(value) for value in (parsed_key.submission, parsed_key.challenge, parsed_key.limits)):
            raise ProtocolError("order: a digest of the key is not a hex digest")
        notify = data.get("notify", "")
        if not isinstance(notify, str) or (notify and not _NOTIFY.match(notify)):
            raise ProtocolError("order: bad notify key")
        files = _decode_files(encoded, intake or IntakeLimits())
        if compute_digest(files) != parsed_key.submission:
            raise ProtocolError("order: the files do not match the submission digest")
        return cls(slug, parsed_key, dict(limits), files, notify)


def _decode_files(encoded: Mapping[Any, Any], intake: IntakeLimits) -> dict[str, bytes]:
    """The files, through the same caps and name rules as a candidate's entry at intake."""
    collector = Collector(intake)
    for name, text in encoded.items():
        if not isinstance(name, str) or not isinstance(text, str):
            raise ProtocolError("order: files must map names to base64 text")
        if len(text) > intake.max_file_bytes * 4 // 3 + 4:
            raise ProtocolError(f"order: {name[:80]!r} is larger than the intake cap")
        try:
            content = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise ProtocolError(f"order: {name[:80]!r} is not base64") from None
        try:
            collector.add_file(name, functools.partial(io.BytesIO, content))
        except SubmissionError as exc:
            raise ProtocolError(f"order: {exc}") from None
    if set(collector.files) != set(encoded):
        raise ProtocolError("order: a file name is not in its normal form")
    return collector.files


def notify_key(token: str) -> str:
    """A coordinator's wake-up list, from a random 32-hex token (only such keys are accepted)."""
    key = NOTIFY_PREFIX + token
    if not _NOTIFY.match(key):
        raise ProtocolError("notify token must be 32 hex digits")
    return key


def task_id(slug: str, key: ResultKey) -> str:
    """The broker's id for a grading: the same work has the same id, whoever asks and how often, so a
    re-sent order is recognised (see grader.cluster.worker) and a result is found again by its key."""
    text = json.dumps([slug, key.to_dict()], sort_keys=True)
    return "grade-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def queue_name(bank_digest: str, image_key: str) -> str:
    """The queue of the hosts that hold this bank and this sandbox image: a host with another bank
    or image consumes another queue, so it never receives an order it cannot grade."""
    image = _QUEUE_PART.sub("-", image_key.lower()).strip("-")[-24:] or "none"
    return f"grader.{bank_digest[:16]}.{image}"


@dataclass(frozen=True, slots=True)
class GradingReply:
    """What a grading host sends back for one order."""

    task_id: str
    status: ReplyStatus
    result: GradeResult | None = None
    error: str = ""
    host: str = ""
    attempts: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL_VERSION,
            "task_id": self.task_id,
            "status": self.status.value,
            "result": None if self.result is None else self.result.to_dict(),
            "error": self.error,
            "host": self.host,
            "attempts": self.attempts,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, raw: bytes | str, order_slug: str, key: ResultKey) -> GradingReply:
        """The reply in `raw` to the order (`order_slug`, `key`); ProtocolError if it is malformed,
        too large or answers another order."""
        if len(raw) > MAX_REPLY_BYTES:
            raise ProtocolError(f"reply larger than {MAX_REPLY_BYTES} bytes")
        try:
            data = json.loads(raw)
        except ValueError:
            raise ProtocolError("reply is not JSON") from None
        if not isinstance(data, Mapping) or data.get("protocol") != PROTOCOL_VERSION:
            raise ProtocolError(f"not a reply of protocol {PROTOCOL_VERSION}")
        expected = task_id(order_slug, key)
        if data.get("task_id") != expected:
            raise ProtocolError("reply answers another order")
        try:
            status = ReplyStatus(str(data.get("status")))
        except ValueError:
            raise ProtocolError("reply: unknown status") from None
        host, error, attempts = data.get("host", ""), data.get("error", ""), data.get("attempts", 1)
        if not isinstance(host, str) or not isinstance(error, str) or not isinstance(attempts, int):
            raise ProtocolError("reply: malformed host, error or attempts")
        result = None
        if status is ReplyStatus.GRADED:
            raw_result = data.get("result")
            if not isinstance(raw_result, Mapping):
                raise ProtocolError("reply: graded without a result")
            try:
                result = GradeResult.from_dict(raw_result)
            except (InputError, KeyError, TypeError, ValueError) as exc:
                raise ProtocolError(f"reply: malformed result ({exc})") from None
            answered = (result.challenge, result.submission_sha256, result.suite)
            if answered != (order_slug, key.submission, key.suite):
                raise ProtocolError("reply: the result is of another submission, challenge or suite")
        return cls(expected, status, result, error[:2000], host[:200], attempts)
