"""The channel against a real local worker: references, callbacks, slices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.harness.session import WorkerSession
from tests.conftest import local_worker_session

SOURCE = """
def apply(f, x):
    return f(x)

class Box:
    def __init__(self, items):
        self.items = list(items)
    def __getitem__(self, key):
        return self.items[key]
    def __len__(self):
        return len(self.items)

def make_box(items):
    return Box(items)

def same(a, b):
    return a is b
"""


@pytest.fixture
def session(tmp_path: Path) -> Iterator[WorkerSession]:
    worker = local_worker_session(tmp_path, SOURCE, "rpc-test")
    yield worker
    worker.close()


def test_a_callback_passed_again_after_the_worker_dropped_it_still_works(session: WorkerSession) -> None:
    module = session.load("solution")
    key = len
    # The worker drops its proxy of `key` after each call; the drop notice travels with
    # its next request, which is the callback of the second call: the reference must live.
    for text in ("ab", "abc", "abcd", "a"):
        assert module.apply(key, text) == len(text)


def test_the_same_harness_object_is_the_same_object_in_the_worker(session: WorkerSession) -> None:
    module = session.load("solution")
    marker = object()
    assert module.same(marker, marker) is True


def test_slices_cross_by_value(session: WorkerSession) -> None:
    box = session.load("solution").make_box([1, 2, 3, 4, 5])
    assert box[1:4] == [2, 3, 4]
    assert box[::-2] == [5, 3, 1]
    assert box[-1] == 5
    with pytest.raises(IndexError):
        box[10]


def test_remote_objects_dropped_by_the_harness_are_released(session: WorkerSession) -> None:
    module = session.load("solution")
    for i in range(50):
        box = module.make_box([i])
        assert len(box) == 1
        del box
    assert module.apply(len, "xyz") == 3
