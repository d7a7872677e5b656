"""The runner without a real harness: bounded parallelism, infrastructure failures, resumable keys."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from grader.api import SandboxChoice
from grader.batch import runner
from grader.batch.api import BatchOptions, run_batch
from grader.batch.assessment import Assessment, AssessmentChallenge, resolve_challenges
from grader.batch.cohort import CellStatus
from grader.batch.intake import intake
from grader.batch.render import render_summary
from grader.batch.runner import TaskOutcome, execute, plan_tasks
from grader.challenges import Challenge
from grader.errors import ExitCode, HarnessError
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult
from grader.submission import ModuleRules, compute_digest
from tests.batch.factory import make_bank, toy, write_entry

ASSESSMENT = Assessment("x", (AssessmentChallenge("toy-sum"),))


def fake_result(files: Mapping[str, bytes], challenge: Challenge) -> GradeResult:
    passed = b"return a + b" in files["solution.py"]
    return GradeResult(
        challenge=challenge.slug, suite=Suite.HIDDEN, submission_sha256=compute_digest(files),
        status=GradeStatus.GRADED,
        score=1 if passed else 0, max_score=1, percent=100 if passed else 0,
        tests=(TestResult("t::add", Outcome.PASSED if passed else Outcome.FAILED),),
        sandbox={"backend": "fake"}, grader_version="0", started_at="", finished_at="",
    )  # fmt: skip


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, tuple[Challenge, ...]]:
    bank = make_bank(tmp_path / "bank", ["toy-sum"])
    subs = tmp_path / "subs"
    for index in range(6):
        write_entry(subs, f"c{index}", {"toy-sum/solution.py": toy("correct" if index % 2 else "broken")})
    return subs, resolve_challenges(ASSESSMENT, bank)


def test_parallelism_is_bounded_by_jobs(setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    subs, challenges = setup
    running, peak, lock = [0], [0], threading.Lock()

    def slow_grade(files, challenge, choice, *, suite, run_id, digest):  # type: ignore[no-untyped-def]
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return fake_result(files, challenge)

    monkeypatch.setattr(runner, "grade_files", slow_grade)
    candidates = intake(subs, ("toy-sum",), {"toy-sum": ModuleRules("solution")})
    plan = plan_tasks(candidates, challenges, tmp_path / "out", "local")
    done: list[str] = []
    reports = execute(
        plan.todo, SandboxChoice("local"), tmp_path / "out", jobs=2, run_prefix="batch-x-",
        on_done=lambda report: done.append(report.candidate),
    )  # fmt: skip
    assert peak[0] == 2
    assert sorted(done) == [f"c{i}" for i in range(6)]
    assert {r.outcome for r in reports} == {TaskOutcome.GRADED}
    assert len(plan_tasks(candidates, challenges, tmp_path / "out", "local").todo) == 0


def test_infrastructure_failures_are_rows_and_retried(setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    subs, challenges = setup

    def flaky(files, challenge, choice, *, suite, run_id, digest):  # type: ignore[no-untyped-def]
        if files["solution.py"].startswith(b"def add(a, b)\n"):
            raise HarnessError("harness for toy-sum failed (exit 1): boom\nmore lines")
        return fake_result(files, challenge)

    monkeypatch.setattr(runner, "grade_files", flaky)
    options = BatchOptions(jobs=2, sandbox=SandboxChoice("local"))
    result = run_batch(ASSESSMENT, challenges, subs, tmp_path / "out", options)
    assert result.exit_code == ExitCode.INFRASTRUCTURE
    assert (result.count(TaskOutcome.GRADED), result.count(TaskOutcome.FAILED)) == (3, 3)
    failed = result.cohort.row("c0").cell("toy-sum")
    assert failed.status is CellStatus.FAILED and failed.note == "harness for toy-sum failed (exit 1): boom"
    assert not (tmp_path / "out" / "results" / "c0").exists()
    summary = render_summary(result.cohort, [("graded", 3)], 1.0, tmp_path / "out")
    assert "grading failed: toy-sum" in summary
    assert "3 grading(s) failed" in (tmp_path / "out" / "index.html").read_text()

    monkeypatch.setattr(runner, "grade_files", lambda f, c, ch, *, suite, run_id, digest: fake_result(f, c))
    again = run_batch(ASSESSMENT, challenges, subs, tmp_path / "out", options)
    assert (again.count(TaskOutcome.GRADED), again.count(TaskOutcome.REUSED)) == (3, 3)
    assert again.exit_code == 0


def test_out_inside_submissions_is_refused(setup, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from grader.errors import InputError

    subs, challenges = setup
    with pytest.raises(InputError, match="must not be inside SUBMISSIONS"):
        run_batch(ASSESSMENT, challenges, subs, subs / "out", BatchOptions(sandbox=SandboxChoice("local")))
