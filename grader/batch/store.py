"""The batch's results on disk: one JSON file per (candidate, challenge), written atomically.

A result is reused only when its key (submission digest, challenge digest, effective limits,
image digest) matches the work about to be graded; anything unreadable is simply graded again.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.models import GradeResult, Suite

STORE_SCHEMA_VERSION = 1
RESULTS_DIR = "results"
LOCK_NAME = ".batch.lock"
TMP_PREFIX = ".tmp-"


@dataclass(frozen=True, slots=True)
class ResultKey:
    """What a result depends on: equal keys mean re-grading would give the same grade."""

    submission: str
    challenge: str
    limits: str
    image: str
    suite: Suite = Suite.HIDDEN

    def to_dict(self) -> dict[str, str]:
        return {
            "submission": self.submission,
            "challenge": self.challenge,
            "limits": self.limits,
            "image": self.image,
            "suite": self.suite.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ResultKey:
        values = [data.get(name) for name in ("submission", "challenge", "limits", "image", "suite")]
        if not all(isinstance(v, str) for v in values):
            raise InputError("key: malformed")
        return cls(str(values[0]), str(values[1]), str(values[2]), str(values[3]), Suite(str(values[4])))


def compute_limits_digest(limits: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(limits), sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class StoredResult:
    candidate: str
    challenge: str
    key: ResultKey
    result: GradeResult

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": STORE_SCHEMA_VERSION,
            "candidate": self.candidate,
            "challenge": self.challenge,
            "key": self.key.to_dict(),
            "result": self.result.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StoredResult:
        if not isinstance(data, Mapping) or data.get("schema_version") != STORE_SCHEMA_VERSION:
            raise InputError("not a stored batch result of this version")
        candidate, challenge = data.get("candidate"), data.get("challenge")
        if not isinstance(candidate, str) or not isinstance(challenge, str):
            raise InputError("candidate or challenge missing")
        key = data.get("key")
        if not isinstance(key, Mapping):
            raise InputError("key missing")
        result = data.get("result")
        if not isinstance(result, Mapping):
            raise InputError("result missing")
        return cls(candidate, challenge, ResultKey.from_dict(key), GradeResult.from_dict(result))


def result_path(out_dir: Path, candidate_id: str, slug: str, suite: Suite = Suite.HIDDEN) -> Path:
    suffix = "" if suite is Suite.HIDDEN else f".{suite.value}"
    return out_dir / RESULTS_DIR / candidate_id / f"{slug}{suffix}.json"


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and os.replace: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=TMP_PREFIX, suffix=path.suffix)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def save_result(out_dir: Path, stored: StoredResult) -> Path:
    path = result_path(out_dir, stored.candidate, stored.challenge, stored.key.suite)
    write_atomic(path, json.dumps(stored.to_dict(), indent=1) + "\n")
    return path


def load_stored(path: Path) -> StoredResult | None:
    """The stored result at `path`, or None when absent or unreadable (then it is graded again)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StoredResult.from_dict(data)
    except (OSError, ValueError, InputError, KeyError, TypeError):
        return None


def load_matching(out_dir: Path, candidate_id: str, slug: str, key: ResultKey) -> StoredResult | None:
    stored = load_stored(result_path(out_dir, candidate_id, slug, key.suite))
    if stored is None or stored.key != key or stored.candidate != candidate_id or stored.challenge != slug:
        return None
    return stored


def remove_temp_files(out_dir: Path) -> int:
    """Drop half-written temp files a killed run left behind."""
    removed = 0
    root = out_dir / RESULTS_DIR
    if not root.is_dir():
        return 0
    for path in root.glob(f"*/{TMP_PREFIX}*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed


@contextlib.contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold OUT's lock for a run: one batch per output folder. The kernel drops it if we are killed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(descriptor, out_dir)
        yield
    finally:
        os.close(descriptor)


# A run killed with SIGKILL can leave a child between fork and exec that still shares the lock's
# file description for a moment; a re-run started right away waits that moment out.
LOCK_WAIT_S = 10.0


def _acquire(descriptor: int, out_dir: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise InputError(f"{out_dir}: another batch is writing to this folder") from None
            time.sleep(0.1)
