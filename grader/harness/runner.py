"""Entry point of the trusted harness process: run one suite, write the raw verdicts.

    python -m grader.harness.runner SPEC.json

The grader starts this in a fresh process per grading, so suites of different
challenges never share module state, and a harness that dies loses one grading.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from grader.database import open_test_databases
from grader.errors import one_line
from grader.harness.session import WorkerSession
from grader.harness.spec import HarnessSpec
from grader.sandbox.base import WorkerSpec
from grader.sandbox.registry import make_backend


def pytest_arguments(suite_dir: Path, extra: list[str]) -> list[str]:
    return [
        str(suite_dir),
        "--rootdir",
        str(suite_dir),
        "-c",
        os.devnull,  # no ini file is read: the grader's settings are the only ones
        "--import-mode=importlib",
        "--strict-markers",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-p",
        "_hypothesis_pytestplugin",
        "-q",
        "--tb=short",
        "--no-header",
        *extra,
    ]


def run(spec: HarnessSpec) -> dict[str, Any]:
    databases = None
    if spec.database_dir is not None and spec.driver_dir is not None:
        databases = open_test_databases(spec.database_dir, spec.driver_dir)
    worker_spec = WorkerSpec(
        submission_dir=spec.submission_dir,
        limits=spec.limits,
        run_id=spec.run_id,
        driver_dir=spec.driver_dir,
        labels=dict(spec.labels),
        database_socket_dir=None if databases is None else databases.server.location.socket_dir,
    )
    backend = make_backend(spec.backend, spec.image)
    session = WorkerSession(backend, worker_spec, database_login=None if databases is None else databases.login)
    # The first worker starts (a container: about half a second of the engine's time) while
    # this process imports pytest and hypothesis and collects the suite.
    session.prestart()
    try:
        import pytest

        from grader.harness.plugin import GraderPlugin

        plugin = GraderPlugin(
            session,
            entry=spec.entry,
            driver=spec.driver_module,
            suite_seconds=spec.limits.suite_seconds,
            max_examples=spec.max_examples,
            shrink=spec.shrink,
            databases=databases,
        )
        code = pytest.main(pytest_arguments(spec.suite_dir, list(spec.pytest_args)), plugins=[plugin])
    finally:
        closers: list[Callable[[], None]] = [session.close, backend.close]  # backend: the SDK's connection pool
        if databases is not None:
            closers.append(databases.close)
        problems = close_all(closers)
    return {
        "exit_code": int(code),
        "tests": plugin.results(),
        "collection_errors": plugin.collection_errors,
        "infrastructure_error": plugin.infrastructure_error,
        "sandbox": backend.describe(),
        "worker_starts": session.starts,
        "round_trips": session.round_trips,
        "cleanup_problems": problems,
    }


def close_all(closers: Sequence[Callable[[], None]], log: TextIO | None = None) -> list[str]:
    """Call each closer even when an earlier one fails; say what failed, in one line each.

    Once pytest has finished, the verdicts are final: an engine that is slow to remove a container
    or a server that refuses a DROP must not cost the grading (what is left is reaped later: the
    run's containers by `grader sandbox cleanup` and the batch's end, the databases by the next
    harness's `drop_orphans`). Ctrl-C and SIGTERM still end the process.
    """
    problems: list[str] = []
    for close in closers:
        try:
            close()
        except Exception as exc:
            problems.append(f"cleanup: {getattr(close, '__qualname__', close)}: {one_line(exc)}")
    for problem in problems:
        print(f"harness: {problem}", file=log or sys.stderr, flush=True)
    return problems


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so `finally` blocks close the worker (and its container)


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        spec = HarnessSpec.load(Path(argv[0]))
        outcome = run(spec)
        spec.out.write_text(json.dumps(outcome), encoding="utf-8")
    finally:
        # pytest's report sits in stdout's buffer (a file: block-buffered) while the traceback of
        # whatever ended this process goes straight to stderr; flushed here, the traceback comes
        # last in the log, where the grader quotes it.
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
