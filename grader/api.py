"""What the CLI and the tests call: grade a submission, verify the challenge bank."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader import __version__
from grader.challenges import Challenge
from grader.database import ensure_server
from grader.errors import HarnessError
from grader.harness.spec import HarnessSpec
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult
from grader.sandbox.base import Backend
from grader.scoring import compute_score
from grader.submission import PreparedSubmission, compute_digest, materialize, read_submission

log = logging.getLogger(__name__)

HARNESS_GRACE_SECONDS = 120
HARNESS_MODULE = "grader.harness.runner"
SANDBOXES = tuple(b.value for b in Backend)


@dataclass(frozen=True, slots=True)
class SandboxChoice:
    backend: str = "docker"
    image: str | None = None


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def resolve_sandbox(choice: SandboxChoice) -> SandboxChoice:
    """Fail early, with exit 3, when the docker sandbox cannot run."""
    if Backend(choice.backend) is Backend.DOCKER:
        from grader.sandbox.image import ensure_image

        info = ensure_image(choice.image)
        return replace(choice, image=info.tag)
    return choice


def grade(
    submission: Path,
    challenge: Challenge,
    *,
    sandbox: SandboxChoice | None = None,
    suite: Suite = Suite.HIDDEN,
    run_id: str | None = None,
    shrink: bool = True,
    pytest_args: tuple[str, ...] = (),
) -> GradeResult:
    """Grade one submission (a .py file or a folder) against one suite of one challenge.

    `shrink=False` skips hypothesis's shrinking: the verdicts are the same, the
    falsifying examples are not minimal. For checks that need only verdicts.

    A submission that crashes, hangs or fails to import is a verdict in the
    result; only bad input (SubmissionError) and a broken sandbox or harness
    (SandboxError, HarnessError) raise.
    """
    choice = resolve_sandbox(sandbox or SandboxChoice())
    files = accept_submission(submission, challenge)
    return grade_files(files, challenge, choice, suite=suite, run_id=run_id, shrink=shrink, pytest_args=pytest_args)


def accept_submission(submission: Path, challenge: Challenge) -> dict[str, bytes]:
    """A submission's files, read within the intake caps and checked against the challenge's module
    rules (entry module, reserved names); SubmissionError says why not."""
    files = read_submission(submission, challenge.entry)
    challenge.module_rules().check(files)
    return files


def grade_files(
    files: Mapping[str, bytes],
    challenge: Challenge,
    choice: SandboxChoice,
    *,
    suite: Suite = Suite.HIDDEN,
    run_id: str | None = None,
    shrink: bool = True,
    pytest_args: tuple[str, ...] = (),
    harness_module: str = HARNESS_MODULE,
    digest: str | None = None,
) -> GradeResult:
    """The one grading sequence every path uses (grade, batch, bench, mutants): write the files to a
    private read-only folder, run the suite in a fresh harness process, assemble the result, clean up.

    `files` are already accepted (read and checked); `digest` is their digest when the caller has it.
    """
    started_at = now_iso()
    run_id = run_id or uuid.uuid4().hex[:12]
    prepared = PreparedSubmission(materialize(files), digest or compute_digest(files), tuple(sorted(files)))
    try:
        raw = run_harness(prepared.root, challenge, choice, suite, run_id, harness_module, pytest_args, shrink=shrink)
    finally:
        prepared.cleanup()
    return assemble_result(raw, challenge, prepared.sha256, suite, started_at)


def run_harness(
    submission_dir: Path,
    challenge: Challenge,
    choice: SandboxChoice,
    suite: Suite,
    run_id: str,
    harness_module: str = HARNESS_MODULE,
    pytest_args: tuple[str, ...] = (),
    *,
    shrink: bool = True,
) -> dict[str, Any]:
    """Run the suite in a fresh trusted harness process; return its raw verdicts."""
    workdir = Path(tempfile.mkdtemp(prefix="grader-run-"))
    try:
        spec = HarnessSpec(
            suite_dir=challenge.hidden_dir if suite is Suite.HIDDEN else challenge.visible_dir,
            submission_dir=submission_dir,
            entry=challenge.entry,
            limits=challenge.limits,
            max_examples=challenge.max_examples,
            backend=Backend(choice.backend),
            image=choice.image,
            run_id=run_id,
            out=workdir / "out.json",
            driver_dir=challenge.driver_dir,
            labels={"grader.challenge": challenge.slug},
            pytest_args=pytest_args,
            shrink=shrink,
            # Started here, so that a server that cannot run is one clear error before any grading.
            database_dir=ensure_server().location.root if challenge.on_postgresql else None,
        )
        spec_path = workdir / "spec.json"
        spec_path.write_text(spec.to_json(), encoding="utf-8")
        log_path = workdir / "harness.log"
        env = harness_environment(os.environ)
        timeout = challenge.limits.suite_seconds + HARNESS_GRACE_SECONDS
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [sys.executable, "-m", harness_module, str(spec_path)],
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=workdir,
                start_new_session=True,
            )
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                raise HarnessError(f"harness for {challenge.slug} ran past {timeout:.0f} s") from None
            except BaseException:
                # Ctrl-C: the harness closes its worker on SIGTERM before we give up on it.
                _stop_group(process)
                raise
        out_path = workdir / "out.json"
        if not out_path.exists():
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise HarnessError(f"harness for {challenge.slug} failed (exit {process.returncode}): {tail}")
        raw: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        if raw.get("infrastructure_error"):
            raise HarnessError(f"the sandbox for {challenge.slug} failed: {raw['infrastructure_error']}")
        raw["log"] = log_path.read_text(encoding="utf-8", errors="replace")[-20000:]
        for problem in raw.get("cleanup_problems", []):
            log.warning("%s (run %s): %s", challenge.slug, run_id, problem)
        return raw
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# What the harness inherits from the caller's environment: how to reach Docker, where home and
# temp are, the locale. Nothing else: `CI` alone makes pytest diff whole sequences in a failing
# assert (quadratic; a million-item list took a wrong pair-sum past its 300 s limit in CI) and
# switches hypothesis to its CI profile; PYTEST_ADDOPTS or PYTHONPATH could change the suite. A
# grade must not depend on the shell it was asked from.
INHERITED_ENV = frozenset({"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "XDG_CACHE_HOME"})
INHERITED_ENV_PREFIXES = ("DOCKER_",)


def harness_environment(caller: Mapping[str, str]) -> dict[str, str]:
    env = {
        key: value for key, value in caller.items() if key in INHERITED_ENV or key.startswith(INHERITED_ENV_PREFIXES)
    }
    return {
        **env,
        # The grader package itself, wherever it was imported from (installed or a checkout).
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Hypothesis caches its Unicode tables here; a fresh folder per grading would
        # rebuild them every time (seconds per suite). The example database stays off.
        "HYPOTHESIS_STORAGE_DIRECTORY": str(hypothesis_cache_dir()),
    }


def hypothesis_cache_dir() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    path = base / "grader" / "hypothesis"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        _kill_group(process)


def assemble_result(
    raw: dict[str, Any], challenge: Challenge, digest: str, suite: Suite, started_at: str
) -> GradeResult:
    tests = tuple(TestResult.from_dict(test) for test in raw["tests"])
    errors = raw.get("collection_errors") or []
    status = GradeStatus.GRADED
    error = None
    if errors:
        status, error = GradeStatus.ERROR, "the suite failed to load: " + errors[0][:1000]
    elif not tests:
        status, error = GradeStatus.ERROR, "the suite has no tests"
    score = compute_score(tests)
    if status is GradeStatus.ERROR:
        tests = tuple(replace(t, outcome=Outcome.ERROR) if t.outcome is Outcome.PASSED else t for t in tests)
        score = compute_score(tests)
    return GradeResult(
        challenge=challenge.slug,
        title=challenge.title,
        suite=suite,
        submission_sha256=digest,
        status=status,
        score=score.points,
        max_score=score.max_points,
        percent=score.percent,
        tests=tests,
        sandbox=raw.get("sandbox", {}),
        grader_version=__version__,
        started_at=started_at,
        finished_at=now_iso(),
        error=error,
        extra={
            "challenge_digest": challenge.digest(),
            "worker_starts": raw.get("worker_starts", 0),
            "round_trips": raw.get("round_trips", 0),
        },
    )
