"""`remote.method(args)` is one round trip once the harness knows `method` is callable, and
behaves exactly as the two-step lookup and call did."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.harness.session import WorkerSession
from grader.worker import rpc
from tests.conftest import local_worker_session

SOURCE = """
calls = []

class Counter:
    def __init__(self):
        self.value = 0

    def bump(self, by=1):
        self.value += by
        return self.value

    def rebind(self):
        # An instance attribute that shadows the method from now on.
        self.bump = lambda by=1: "shadowed"

    def make_data(self):
        self.bump = 42

def double(x):
    return 2 * x

def replace_double():
    global double
    def double(x):
        return 3 * x

def apply(f, x):
    return f(x)
"""


@pytest.fixture
def session(tmp_path: Path) -> Iterator[WorkerSession]:
    worker = local_worker_session(tmp_path, SOURCE, "deferred-test")
    yield worker
    worker.close()


class CountingOps:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ops: list[str] = []
        original = rpc.Endpoint.request

        def request(endpoint: rpc.Endpoint, op: str, **fields: object) -> object:
            self.ops.append(op)
            return original(endpoint, op, **fields)

        monkeypatch.setattr(rpc.Endpoint, "request", request)


def test_a_known_method_is_called_in_one_round_trip(session: WorkerSession, monkeypatch: pytest.MonkeyPatch) -> None:
    module = session.load("solution")
    first, second = module.Counter(), module.Counter()
    assert first.bump() == 1  # learns that Counter.bump is callable
    counting = CountingOps(monkeypatch)
    assert second.bump(5) == 5
    assert first.bump(by=2) == 3
    assert counting.ops == ["callattr", "callattr"]


def test_the_lookup_still_happens_in_the_worker_at_call_time(session: WorkerSession) -> None:
    module = session.load("solution")
    counter = module.Counter()
    assert counter.bump() == 1
    counter.rebind()
    assert counter.bump() == "shadowed"
    assert module.double(4) == 8
    module.replace_double()
    assert module.double(4) == 12


def test_other_uses_look_the_attribute_up(session: WorkerSession) -> None:
    module = session.load("solution")
    counter = module.Counter()
    assert counter.bump() == 1
    counter.make_data()
    deferred = counter.bump
    assert isinstance(deferred, rpc.DeferredAttribute)
    assert rpc.resolve(deferred) == 42
    assert deferred.real == 42  # attribute access goes to the real value
    with pytest.raises(TypeError):
        counter.bump()  # calling an int fails in the worker, as `counter.bump()` would
    # Passed as an argument it crosses as the worker's own object, not as a harness callback.
    assert module.apply(module.double, 5) == 10
