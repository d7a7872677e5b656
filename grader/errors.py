"""One error hierarchy; the CLI turns each into a one-line message and its exit code.

A submission that fails is a verdict, not an error: these are for the grader's
own inputs and infrastructure.
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    GRADED = 0
    VERIFICATION_FAILED = 1
    TESTS_FAILED = 1  # `grader test`: a visible example failed, as pytest exits 1
    USAGE = 2
    INFRASTRUCTURE = 3


class GraderError(Exception):
    """Base class. `exit_code` is what the CLI exits with."""

    exit_code: ExitCode = ExitCode.USAGE


class ChallengeError(GraderError):
    """A challenge folder or its challenge.toml is invalid."""


class SubmissionError(GraderError):
    """A submission cannot be accepted (missing, too big, links, bad archive)."""


class InputError(GraderError):
    """Any other bad input: a result file, an option value, an assessment."""


class SandboxError(GraderError):
    """The sandbox cannot run (no engine, no image, a container that cannot start)."""

    exit_code = ExitCode.INFRASTRUCTURE


class HarnessError(GraderError):
    """The trusted harness itself failed; never caused by a submission."""

    exit_code = ExitCode.INFRASTRUCTURE


class BrokerError(GraderError):
    """The broker of grading on many machines (Redis) cannot be reached or refused us."""

    exit_code = ExitCode.INFRASTRUCTURE


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line (Docker's and psycopg's errors are long and multi-line)."""
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= limit else first[:limit] + "..."
