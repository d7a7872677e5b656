"""The kit's log capture: what it reads comes from the logging call, not from what a submission installed."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Iterator

import pytest

from grader.worker import djangokit


@pytest.fixture
def logger_name() -> Iterator[str]:
    name = f"kit.test.{uuid.uuid4().hex[:8]}"
    yield name
    djangokit.TAMPERING.clear()


class AttachException(logging.Filter):
    """What a submission that never passed exc_info would install: the exception being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info and sys.exc_info()[0] is not None:
            record.exc_info = sys.exc_info()
        return True


def log_inside_except(logger: logging.Logger) -> None:
    try:
        raise KeyError("boom")
    except KeyError:
        logger.error("failed")  # no exc_info


def test_a_filter_installed_before_the_capture_does_not_change_the_records(logger_name: str) -> None:
    logger = logging.getLogger(logger_name)
    logger.addFilter(AttachException())
    with djangokit.capture_logs(logger_name) as records:
        log_inside_except(logger)
    assert [record["exc_info"] for record in records] == [False]
    assert djangokit.TAMPERING == []
    assert len(logger.filters) == 1  # given back afterwards


def test_a_handler_installed_before_the_capture_is_set_aside_and_given_back(logger_name: str) -> None:
    logger = logging.getLogger(logger_name)
    seen: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record)

    theirs = Keep()
    logger.addHandler(theirs)
    with djangokit.capture_logs(logger_name) as records:
        logger.warning("slow")
    assert [record["message"] for record in records] == ["slow"]
    assert seen == []
    assert logger.handlers == [theirs]


@pytest.mark.parametrize("install", ["filter", "handler"])
def test_a_filter_or_handler_added_during_the_capture_is_noted(logger_name: str, install: str) -> None:
    logger = logging.getLogger(logger_name)
    with djangokit.capture_logs(logger_name):
        if install == "filter":
            logger.addFilter(AttachException())
        else:
            logger.addHandler(logging.NullHandler())
        log_inside_except(logger)
    noted = f"the handlers or filters of logger {logger_name!r} while the kit read it"
    notes = djangokit.TAMPERING
    assert notes == [noted]
    assert logger.filters == [] and logger.handlers == []


def test_a_logger_of_another_class_is_noted(logger_name: str) -> None:
    class Forging(logging.Logger):
        pass

    logging.Logger.manager.loggerDict[logger_name] = Forging(logger_name)
    try:
        with djangokit.capture_logs(logger_name):
            pass
    finally:
        del logging.Logger.manager.loggerDict[logger_name]
    noted = f"the class of logger {logger_name!r}"
    notes = djangokit.TAMPERING
    assert notes == [noted]
