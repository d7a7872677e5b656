"""Harness objects handed to the worker (fake clocks, scripted sources) show it their methods only.

Their data (a random source's future values, a script's steps) and their class names would tell a
submission the test plan, or that it is being graded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.harness.session import WorkerSession
from tests.conftest import local_worker_session

SOURCE = """
def read(obj, name):
    return getattr(obj, name)

def call(obj, name):
    return getattr(obj, name)()

def type_name(obj):
    return type(obj).__name__, repr(obj)
"""


class FakeClock:
    def __init__(self) -> None:
        self.now = 5.0
        self.plan = [1.0, 2.0, 3.0]

    def time(self) -> float:
        return self.now


class DeclaredRow:
    __rpc_public__ = ("id",)

    def __init__(self) -> None:
        self.id = 7
        self.secret = "hidden"


@pytest.fixture
def session(tmp_path: Path) -> Iterator[WorkerSession]:
    worker = local_worker_session(tmp_path, SOURCE, "harness-objects")
    yield worker
    worker.close()


def test_methods_are_served_and_data_attributes_are_not(session: WorkerSession) -> None:
    module = session.load("solution")
    assert module.call(FakeClock(), "time") == 5.0
    for name in ("now", "plan", "__dict__", "_private"):
        with pytest.raises(PermissionError, match="is not accessible"):
            module.read(FakeClock(), name)


def test_declared_data_attributes_are_served(session: WorkerSession) -> None:
    module = session.load("solution")
    assert module.read(DeclaredRow(), "id") == 7
    with pytest.raises(PermissionError):
        module.read(DeclaredRow(), "secret")


def test_the_worker_never_learns_a_harness_class_name(session: WorkerSession) -> None:
    name, text = session.load("solution").type_name(FakeClock())
    assert "FakeClock" not in name and "FakeClock" not in text
