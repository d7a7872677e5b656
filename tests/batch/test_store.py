"""The result store: atomic writes, keyed reuse, tolerance of half-written or foreign files, one batch per OUT."""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from pathlib import Path

import pytest

from grader.batch import store
from grader.batch.store import (
    ResultKey,
    StoredResult,
    load_matching,
    load_stored,
    locked,
    remove_temp_files,
    result_path,
    save_result,
    write_atomic,
)
from grader.errors import InputError
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult

KEY = ResultKey("sub", "chal", "lim", "local")


def result() -> GradeResult:
    return GradeResult(
        challenge="toy-sum",
        suite=Suite.HIDDEN,
        submission_sha256="sub",
        status=GradeStatus.GRADED,
        score=1,
        max_score=2,
        percent=50,
        tests=(TestResult("t::a", Outcome.PASSED), TestResult("t::b", Outcome.FAILED, message="no")),
        sandbox={"backend": "local"},
        grader_version="0",
        started_at="s",
        finished_at="f",
    )


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    stored = StoredResult("ada", "toy-sum", KEY, result())
    path = save_result(tmp_path, stored)
    assert path == result_path(tmp_path, "ada", "toy-sum") == tmp_path / "results" / "ada" / "toy-sum.json"
    assert load_stored(path) == stored
    assert load_matching(tmp_path, "ada", "toy-sum", KEY) == stored


@pytest.mark.parametrize(
    "other",
    [
        ResultKey("other", "chal", "lim", "local"),
        ResultKey("sub", "other", "lim", "local"),
        ResultKey("sub", "chal", "other", "local"),
        ResultKey("sub", "chal", "lim", "sha256:abc"),
    ],
)
def test_a_different_key_is_not_reused(tmp_path: Path, other: ResultKey) -> None:
    save_result(tmp_path, StoredResult("ada", "toy-sum", KEY, result()))
    assert load_matching(tmp_path, "ada", "toy-sum", other) is None


@pytest.mark.parametrize("content", ["", "{", "[]", '{"schema_version": 1}', json.dumps({"schema_version": 99})])
def test_unreadable_files_are_regraded_not_fatal(tmp_path: Path, content: str) -> None:
    path = result_path(tmp_path, "ada", "toy-sum")
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert load_stored(path) is None


def test_visible_results_live_apart(tmp_path: Path) -> None:
    key = ResultKey("sub", "chal", "lim", "local", Suite.VISIBLE)
    path = save_result(tmp_path, StoredResult("ada", "toy-sum", key, result()))
    assert path.name == "toy-sum.visible.json"


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "results" / "ada" / "x.json"
    write_atomic(target, "one")
    write_atomic(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]
    (target.parent / ".tmp-dead.json").write_text("half")
    assert remove_temp_files(tmp_path) == 1
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_one_batch_per_output_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "LOCK_WAIT_S", 0.3)
    with locked(tmp_path), pytest.raises(InputError, match="another batch"), locked(tmp_path):
        pass
    with locked(tmp_path):
        pass  # released


def test_a_lock_released_within_the_wait_is_taken(tmp_path: Path) -> None:
    """A killed run's lock can outlive it for a moment (a child between fork and exec)."""
    descriptor = os.open(tmp_path / store.LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    releaser = threading.Timer(0.3, os.close, args=(descriptor,))
    releaser.start()
    started = time.monotonic()
    with locked(tmp_path):
        assert time.monotonic() - started >= 0.2
    releaser.join()
