"""The harness process's own edges: closing after the suite, and what its log ends with."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from grader.api import SandboxChoice, accept_submission, grade_files
from grader.challenges import Challenge
from grader.errors import HarnessError, SandboxError
from grader.harness.runner import close_all
from grader.harness.session import socket_parent

ROOT = Path(__file__).resolve().parents[2]


def test_every_closer_runs_and_each_failure_is_one_line() -> None:
    called: list[str] = []

    def engine() -> None:
        called.append("engine")
        raise SandboxError("cannot remove container grader-1: device or resource busy\nlong engine text")

    def pool() -> None:
        called.append("pool")

    def databases() -> None:
        called.append("databases")
        raise RuntimeError("DROP ROLE refused")

    log = io.StringIO()
    problems = close_all([engine, pool, databases], log=log)
    assert called == ["engine", "pool", "databases"]
    assert len(problems) == 2
    assert "device or resource busy" in problems[0] and "long engine text" not in problems[0]
    assert "DROP ROLE refused" in problems[1]
    assert log.getvalue().splitlines() == [f"harness: {problem}" for problem in problems]


def test_nothing_to_report_when_everything_closes() -> None:
    log = io.StringIO()
    assert close_all([lambda: None], log=log) == []
    assert log.getvalue() == ""


def test_a_backend_that_fails_to_close_costs_no_grading(toy: Challenge, tmp_path: Path) -> None:
    """Regression: a container the engine could not remove after the suite had run made the
    harness exit without its verdicts (`harness failed (exit 1)`), failing a CI bank check."""
    submission = tmp_path / "solution.py"
    submission.write_bytes((toy.root / "reference" / "solution.py").read_bytes())
    result = grade_files(
        accept_submission(submission, toy),
        toy,
        SandboxChoice("local"),
        harness_module="tests.files.harnesses.failing_cleanup",
    )
    assert result.full_marks, result.error


def test_a_sandbox_that_cannot_start_is_an_infrastructure_error_not_a_verdict(toy: Challenge, tmp_path: Path) -> None:
    submission = tmp_path / "solution.py"
    submission.write_bytes((toy.root / "reference" / "solution.py").read_bytes())
    with pytest.raises(HarnessError, match="no space left on device"):
        grade_files(
            accept_submission(submission, toy), toy, SandboxChoice("local"),
            harness_module="tests.files.harnesses.failing_start",
        )  # fmt: skip


def test_a_temporary_folder_too_deep_for_a_socket_costs_no_grading(
    toy: Challenge, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression: with TMPDIR deeper than a socket path allows, every test errored and a correct
    submission scored 0 (a grading host with a work folder of its own found it)."""
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(deep))
    submission = tmp_path / "solution.py"
    submission.write_bytes((toy.root / "reference" / "solution.py").read_bytes())
    result = grade_files(accept_submission(submission, toy), toy, SandboxChoice("local"))
    assert result.full_marks, [t.message for t in result.tests]


def test_the_channel_goes_where_a_socket_path_fits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert socket_parent() == str(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", "/" + "x" * 100)
    assert socket_parent() == "/tmp"
    with pytest.raises(SandboxError, match="too long for a socket path"):
        socket_parent(candidates=("/" + "y" * 100,))


def test_the_log_ends_with_what_ended_the_harness(tmp_path: Path) -> None:
    """pytest's report is buffered on stdout; the traceback must still come after it, because the
    grader quotes the log's tail when the harness fails."""
    script = textwrap.dedent(
        """
        import sys
        from grader.harness import runner

        def run(spec):
            print("pytest report: 6 failed, 5 passed")
            raise RuntimeError("the real cause")

        runner.HarnessSpec.load = staticmethod(lambda path: None)
        runner.run = run
        sys.exit(runner.main(["spec.json"]))
        """
    )
    log = tmp_path / "harness.log"
    with log.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", script], stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, timeout=60, check=False
        )
    assert done.returncode == 1
    text = log.read_text(encoding="utf-8")
    assert text.index("pytest report") < text.index("Traceback")
    assert text.rstrip().endswith("RuntimeError: the real cause")


def test_a_submission_cannot_claim_the_sandbox_failed(grade_source: Any) -> None:
    """An exception named like the harness's SandboxError, raised by the submission, is the
    submission's own error in that test: a verdict, not an infrastructure failure."""
    result = grade_source(
        """
        class SandboxError(Exception):
            pass

        SandboxError.__module__ = "grader.errors"

        def add(a, b):
            raise SandboxError("cannot create container: the engine is gone")

        def greet(name):
            return "hello " + name

        def spin(n):
            return n
        """
    )
    assert result.error is None
    failed = [t for t in result.tests if t.outcome.value != "passed"]
    assert failed and 0 < result.percent < 100
