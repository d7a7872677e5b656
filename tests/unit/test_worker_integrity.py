"""The worker's integrity check: the logging machinery, tracemalloc and the kit's own notes are watched."""

from __future__ import annotations

import logging
import tracemalloc
from collections.abc import Iterator

import pytest

from grader.worker import djangokit, main


@pytest.fixture
def integrity() -> Iterator[main.Integrity]:
    import sys

    saved = sys.modules.get("djangokit")
    sys.modules["djangokit"] = djangokit  # as the worker loads it: by its reserved top-level name
    try:
        yield main.Integrity()
    finally:
        if saved is None:
            del sys.modules["djangokit"]
        else:
            sys.modules["djangokit"] = saved
        djangokit.TAMPERING.clear()


def test_nothing_changed_is_no_note(integrity: main.Integrity) -> None:
    assert integrity.check() is None


def test_a_replaced_record_factory_is_noted(integrity: main.Integrity) -> None:
    factory = logging.getLogRecordFactory()
    logging.setLogRecordFactory(lambda *args, **kwargs: factory(*args, **kwargs))
    try:
        assert "logging._logRecordFactory" in (integrity.check() or "")
    finally:
        logging.setLogRecordFactory(factory)
    assert integrity.check() is None


def test_a_patched_logger_method_is_noted(integrity: main.Integrity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.Logger, "handle", lambda self, record: None)
    assert "logging.Logger.handle" in (integrity.check() or "")


def test_what_the_kit_noted_is_reported_even_if_its_name_is_rebound(
    integrity: main.Integrity, monkeypatch: pytest.MonkeyPatch
) -> None:
    djangokit.TAMPERING.append("the handlers or filters of logger 'api.errors' while the kit read it")
    monkeypatch.setattr(djangokit, "TAMPERING", [])
    assert "logger 'api.errors'" in (integrity.check() or "")


def test_a_patched_tracemalloc_function_is_noted(integrity: main.Integrity, monkeypatch: pytest.MonkeyPatch) -> None:

    monkeypatch.setattr(tracemalloc, "get_traced_memory", lambda: (0, 0))
    assert "tracemalloc.get_traced_memory" in (integrity.check() or "")
