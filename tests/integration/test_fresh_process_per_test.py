"""Each test runs in a fresh child of the worker's zygote: nothing a test's code installs (patched
modules, import hooks, threads, module state) reaches the next test, and the zygote itself never
runs submission code."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.harness.session import WorkerSession
from grader.sandbox.base import Limits, WorkerSpec
from grader.sandbox.local import LocalBackend

SOURCE = """
import heapq, os, sys, threading

PIDS = {pids!r}
with open(os.path.join(PIDS, str(os.getpid())), "w") as handle:
    handle.write(str(os.getppid()))

STATE = []

class Hook:
    def find_spec(self, *args, **kwargs):
        return None

def tamper():
    heapq.heappush = lambda *a, **k: "forged"
    sys.meta_path.insert(0, Hook())
    STATE.append(1)
    threading.Thread(target=lambda: __import__("time").sleep(60), daemon=True).start()
    return len(STATE)

def observe():
    return heapq.heappush.__name__, len(sys.meta_path), len(STATE), threading.active_count()

def pid():
    return os.getpid()
"""


@pytest.fixture
def session(tmp_path: Path) -> Iterator[WorkerSession]:
    pids = tmp_path / "pids"
    pids.mkdir()
    pids.chmod(0o777)
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "solution.py").write_text(SOURCE.format(pids=str(pids)))
    worker = WorkerSession(LocalBackend(), WorkerSpec(folder, Limits(call_seconds=5), "fresh-per-test"))
    yield worker
    worker.close()


def test_what_a_test_installs_is_gone_in_the_next(session: WorkerSession) -> None:
    clean = session.load("solution").observe()
    session.finish_test()
    assert session.load("solution").tamper() == 1
    assert session.load("solution").observe() != clean  # within the test, the tampering holds
    session.finish_test()
    assert session.load("solution").observe() == clean
    assert session.starts == 1 and session.forks == 3


def test_every_test_has_its_own_process_and_the_zygote_never_imports_the_submission(
    session: WorkerSession, tmp_path: Path
) -> None:
    seen = []
    for _ in range(3):
        seen.append(session.load("solution").pid())
        session.finish_test()
    assert len(set(seen)) == 3
    handle = session._handle
    zygote = handle.process.pid  # type: ignore[union-attr]
    importers = {int(p.name): int(p.read_text()) for p in (tmp_path / "pids").iterdir()}
    assert zygote not in importers  # the zygote never ran solution.py
    assert set(importers) == set(seen) and set(importers.values()) == {zygote}


def test_a_crash_costs_one_test_not_the_sandbox(session: WorkerSession) -> None:
    from grader.harness.session import WorkerCrashed

    module = session.load("solution")
    first = module.pid()
    with pytest.raises(WorkerCrashed, match="exited with code 0"):
        session.load("os")._exit(0)
    session.finish_test()
    assert session.load("solution").pid() != first
    assert session.starts == 1


def test_a_fork_per_test_costs_little(session: WorkerSession) -> None:
    session.load("solution").pid()
    session.finish_test()
    rounds = 30
    started = time.perf_counter()
    for _ in range(rounds):
        session.load("solution").pid()
        session.finish_test()
    per_test = (time.perf_counter() - started) / rounds
    # Generous here (a loaded CI machine); BENCHMARKS.md has the measured figure.
    assert per_test < 0.25, per_test


def test_a_test_that_kills_the_zygote_gets_the_next_test_a_new_sandbox(session: WorkerSession) -> None:
    module = session.load("os")
    module.kill(module.getppid(), 9)  # the zygote, from the test's own process
    session.finish_test()  # the zygote does not answer the reap: this sandbox is given up
    assert session.load("solution").pid() > 0
    assert session.starts == 2
