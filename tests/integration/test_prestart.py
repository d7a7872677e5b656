"""The first worker starts in the background while pytest starts up; the first call waits for it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from grader.harness.session import WorkerCrashed, WorkerSession
from grader.sandbox.base import Limits, WorkerSpec
from grader.sandbox.local import LocalBackend


class CountingBackend(LocalBackend):
    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def start(self, spec: WorkerSpec, socket_dir: Path) -> Any:
        self.threads.append(threading.current_thread().name)
        return super().start(spec, socket_dir)


def _session(folder: Path, source: str, backend: LocalBackend) -> WorkerSession:
    (folder / "solution.py").write_text(source)
    return WorkerSession(backend, WorkerSpec(folder, Limits(call_seconds=5), "prestart-test"))


def test_prestarted_worker_serves_the_first_call(tmp_path: Path) -> None:
    backend = CountingBackend()
    session = _session(tmp_path, "def double(x):\n    return 2 * x\n", backend)
    try:
        session.prestart()
        session.prestart()  # idempotent
        assert session.load("solution").double(21) == 42
        assert session.starts == 1
        assert backend.threads == ["worker-prestart"]
    finally:
        session.close()


def test_a_worker_that_cannot_start_fails_the_first_call_not_the_harness(tmp_path: Path) -> None:
    class BrokenBackend(LocalBackend):
        def start(self, spec: WorkerSpec, socket_dir: Path) -> Any:
            raise WorkerCrashed("worker failed to start: no interpreter")

    session = _session(tmp_path, "X = 1\n", BrokenBackend())
    try:
        session.prestart()
        with pytest.raises(WorkerCrashed, match="no interpreter"):
            session.load("solution")
    finally:
        session.close()


def test_close_waits_for_a_prestart_in_flight(tmp_path: Path) -> None:
    session = _session(tmp_path, "X = 1\n", LocalBackend())
    session.prestart()
    session.close()
    assert session._prestart is None and session._endpoint is None
