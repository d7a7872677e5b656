"""Shared fixtures: the toy challenge and a one-call way to grade source text locally."""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

from grader.api import SandboxChoice, grade
from grader.challenges import Challenge, load_challenge
from grader.harness.session import WorkerSession
from grader.models import GradeResult, Suite
from grader.sandbox.base import Limits, WorkerSpec
from grader.sandbox.local import LocalBackend

# The project's own property tests: no deadline (this machine's timing is noisy) and a
# fixed seed, so CI is reproducible.
settings.register_profile("project", deadline=None, derandomize=True, database=None)
settings.load_profile("project")

FILES = Path(__file__).parent / "files"
TOY = FILES / "challenges" / "toy-sum"

GradeSource = Callable[..., GradeResult]
RUN_IDS: list[str] = []  # every grading's run id, to find the containers our tests started


@pytest.fixture(scope="session")
def toy() -> Challenge:
    return load_challenge(TOY)


@pytest.fixture
def grade_source(tmp_path: Path, toy: Challenge) -> GradeSource:
    """Grade `solution.py` content (plus optional extra files) against the toy challenge."""

    def run(
        source: str,
        extra: dict[str, str] | None = None,
        *,
        challenge: Challenge | None = None,
        suite: Suite = Suite.HIDDEN,
        sandbox: str = "local",
        shrink: bool = True,
    ) -> GradeResult:
        folder = tmp_path / f"submission-{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        (folder / "solution.py").write_text(textwrap.dedent(source), encoding="utf-8")
        for name, content in (extra or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(textwrap.dedent(content), encoding="utf-8")
        run_id = f"t{uuid.uuid4().hex[:11]}"
        RUN_IDS.append(run_id)
        return grade(
            folder, challenge or toy, sandbox=SandboxChoice(sandbox), suite=suite, run_id=run_id, shrink=shrink
        )

    return run


def docker_unavailable(reason: str) -> NoReturn:
    """Skip a Docker test on a machine without engine or image; under CI that fails the run."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI needs the Docker sandbox: {reason}")
    pytest.skip(reason)


def local_worker_session(folder: Path, source: str, run_id: str) -> WorkerSession:
    """A live local worker whose `solution` module is `source`."""
    (folder / "solution.py").write_text(source)
    return WorkerSession(LocalBackend(), WorkerSpec(folder, Limits(call_seconds=5), run_id))


def outcomes(result: GradeResult) -> dict[str, str]:
    """{short test name: outcome} for compact assertions."""
    return {t.id.split("::")[-1]: t.outcome.value for t in result.tests}
