"""A submission's files never stand in for the grader's, the driver's or the standard library's modules.

Two layers: intake refuses reserved names with a one-line error (so the candidate is told), and
the worker puts the submission's folder last on `sys.path` (so a file that got past intake is
still never imported in their place).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.api import SandboxChoice, grade
from grader.challenges import load_challenge
from grader.errors import SubmissionError
from grader.harness.session import WorkerSession
from grader.resources import default_bank_dir
from grader.sandbox.base import Limits, WorkerSpec
from grader.sandbox.local import LocalBackend

FORGED = "WHO = 'forged'\ndef setup(*a, **k):\n    return 'forged'\ndef rgb_to_hls(*a):\n    return 'forged'\n"


@pytest.fixture
def shadowed_worker(tmp_path: Path) -> Iterator[WorkerSession]:
    """A worker whose submission ships files named like the driver, the kit and a stdlib module."""
    driver = tmp_path / "driver"
    driver.mkdir()
    (driver / "driver.py").write_text("WHO = 'real'\n")
    (driver / "shop").mkdir()
    (driver / "shop" / "__init__.py").write_text("WHO = 'real'\n")
    submission = tmp_path / "submission"
    (submission / "shop").mkdir(parents=True)
    (submission / "solution.py").write_text("WHO = 'solution'\n")
    for name in ("driver.py", "djangokit.py", "rpc.py", "colorsys.py", "shop/__init__.py"):
        (submission / name).write_text(FORGED)
    session = WorkerSession(LocalBackend(), WorkerSpec(submission, Limits(call_seconds=5), "isolation", driver))
    yield session
    session.close()


def test_the_driver_and_its_apps_win_over_files_of_the_same_name(shadowed_worker: WorkerSession) -> None:
    assert shadowed_worker.load("driver").WHO == "real"
    assert shadowed_worker.load("shop").WHO == "real"


def test_the_kit_and_the_standard_library_win_over_files_of_the_same_name(shadowed_worker: WorkerSession) -> None:
    # colorsys is imported by nothing in the worker before the submission could be found.
    assert shadowed_worker.load("colorsys").rgb_to_hls(1.0, 1.0, 1.0) == (0.0, 1.0, 0.0)
    assert not hasattr(shadowed_worker.load("djangokit"), "WHO")
    assert not hasattr(shadowed_worker.load("rpc"), "WHO")


def test_the_submission_is_still_importable_last(shadowed_worker: WorkerSession) -> None:
    assert shadowed_worker.load("solution").WHO == "solution"


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("driver.py", "driver"),
        ("library/__init__.py", "driver"),
        ("djangokit.py", "grader"),
        ("json.py", "standard-library"),
        ("django/__init__.py", "installed in the sandbox"),
    ],
)
def test_grade_refuses_a_reserved_name_before_running_anything(tmp_path: Path, name: str, why: str) -> None:
    challenge = load_challenge(default_bank_dir() / "select-vs-prefetch")
    (tmp_path / "solution.py").write_bytes((challenge.stub_dir / "solution.py").read_bytes())
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("x = 1\n")
    with pytest.raises(SubmissionError, match=why) as caught:
        grade(tmp_path, challenge, sandbox=SandboxChoice("local"))
    assert str(caught.value).startswith(name)
    assert "\n" not in str(caught.value)
