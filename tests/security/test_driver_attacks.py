"""Attacks on the challenges that run a driver next to the submission, graded for real in Docker.

Two Django challenges (select-vs-prefetch, bulk-lookup) and two Python ones (retry-backoff,
versioned-cache). Each attack is refused at intake, marks its tests "tampered" (scoring nothing),
or scores exactly what its underlying code scores without the cheat. The SQL-count and
fault-injection attacks are in test_sql_attacks.py; memory is counted outside the worker
(test_worker_memory.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.api import SandboxChoice, grade
from grader.batch.redflags import scan_source
from grader.challenges import Challenge, load_challenge
from grader.errors import SubmissionError
from grader.models import GradeResult, Outcome
from grader.resources import default_bank_dir
from tests.conftest import RUN_IDS, docker_unavailable

pytestmark = [pytest.mark.docker]

DRIVER_CHALLENGES = ["select-vs-prefetch", "bulk-lookup", "retry-backoff", "versioned-cache"]

# Class 4: every public function of the loaded driver rebound to a wrapper (the wrapper could
# rewrite what the driver reports); the module's class swapped too.
HIJACK_AT_IMPORT = """
import sys as _sys, types as _types
_driver = _sys.modules.get("driver")
if _driver is not None:
    for _name, _value in list(vars(_driver).items()):
        if callable(_value) and not _name.startswith("_") and not isinstance(_value, type):
            setattr(_driver, _name, (lambda f: lambda *a, **k: f(*a, **k))(_value))
    class _Module(_types.ModuleType):
        pass
    _driver.__class__ = _Module
"""

# Class 4: a thread that waits until the test is under way, then rebinds a driver function.
HIJACK_BY_THREAD = """
import sys as _sys, threading as _threading, time as _time
def _later():
    _time.sleep(0.05)
    _driver = _sys.modules.get("driver")
    for _name, _value in list(vars(_driver).items()):
        if callable(_value) and not _name.startswith("_") and not isinstance(_value, type):
            setattr(_driver, _name, (lambda f: lambda *a, **k: f(*a, **k))(_value))
_threading.Thread(target=_later, daemon=True).start()
"""

# Class 4: an entry written into the worker's dispatch table.
DISPATCH_TABLE = """
import rpc as _rpc
_rpc._OPERATIONS["call"] = lambda target, fields: None
"""

# Class 6: the harness's random source read for its future values (the test plan); the code then
# goes on with what it would have done anyway.
READ_THE_PLAN = """
_retry = retry
def retry(*args, **kwargs):
    rng = kwargs.get("rng")
    for name in ("values", "count", "__dict__", "events"):
        try:
            getattr(rng, name)
        except Exception:
            pass
    return _retry(*args, **kwargs)
"""


@pytest.fixture(scope="module", autouse=True)
def docker_ready() -> Iterator[None]:
    from grader.errors import SandboxError
    from grader.sandbox.image import ensure_image

    try:
        ensure_image()
    except SandboxError as exc:
        docker_unavailable(f"Docker sandbox unavailable: {exc}")
    yield


def challenge(slug: str) -> Challenge:
    return load_challenge(default_bank_dir() / slug)


def reference(found: Challenge) -> str:
    return (found.reference_dir / "solution.py").read_text(encoding="utf-8")


def with_prelude(source: str, prelude: str, *, at_end: bool = False) -> str:
    if at_end:
        return source + "\n" + prelude
    lines = source.splitlines(keepends=True)
    cut = max((i + 1 for i, line in enumerate(lines) if line.startswith("from __future__")), default=0)
    return "".join(lines[:cut]) + prelude + "\n" + "".join(lines[cut:])


def grade_files(tmp_path: Path, found: Challenge, files: dict[str, str]) -> GradeResult:
    folder = tmp_path / uuid.uuid4().hex[:8]
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    run_id = f"t{uuid.uuid4().hex[:11]}"
    RUN_IDS.append(run_id)
    return grade(folder, found, sandbox=SandboxChoice("docker"), run_id=run_id)


def verdicts(result: GradeResult) -> set[Outcome]:
    return {test.outcome for test in result.tests}


# ---------------------------------------------------------------- class 1: shadowing by file name


@pytest.mark.parametrize("slug", DRIVER_CHALLENGES)
@pytest.mark.parametrize("name", ["driver.py", "djangokit.py", "rpc.py"])
def test_a_file_named_like_the_graders_is_refused_at_intake(tmp_path: Path, slug: str, name: str) -> None:
    found = challenge(slug)
    stub = (found.stub_dir / "solution.py").read_text(encoding="utf-8")
    with pytest.raises(SubmissionError, match=name.removesuffix(".py")):
        grade_files(tmp_path, found, {"solution.py": stub, name: "def anything():\n    return 'forged'\n"})


# ---------------------------------------------------------------- class 4 and 5: hijacking


@pytest.mark.parametrize("slug", DRIVER_CHALLENGES)
def test_a_driver_hijacked_at_import_marks_every_test_tampered(tmp_path: Path, slug: str) -> None:
    found = challenge(slug)
    result = grade_files(
        tmp_path, found, {"solution.py": with_prelude(reference(found), HIJACK_AT_IMPORT, at_end=True)}
    )
    assert verdicts(result) == {Outcome.TAMPERED}
    assert result.score == 0


@pytest.mark.parametrize("slug", ["select-vs-prefetch", "retry-backoff"])
def test_a_thread_that_rebinds_the_driver_later_is_caught(tmp_path: Path, slug: str) -> None:
    found = challenge(slug)
    result = grade_files(
        tmp_path, found, {"solution.py": with_prelude(reference(found), HIJACK_BY_THREAD, at_end=True)}
    )
    tampered = [test for test in result.tests if test.outcome is Outcome.TAMPERED]
    assert tampered
    assert all(test.outcome in (Outcome.TAMPERED, Outcome.PASSED) for test in result.tests)
    assert result.score < result.max_score


@pytest.mark.parametrize("slug", ["bulk-lookup", "versioned-cache"])
def test_the_dispatch_table_cannot_be_rewritten(tmp_path: Path, slug: str) -> None:
    found = challenge(slug)
    result = grade_files(tmp_path, found, {"solution.py": with_prelude(reference(found), DISPATCH_TABLE)})
    assert Outcome.PASSED not in verdicts(result)
    assert result.score == 0
    assert any("does not support item assignment" in test.message for test in result.tests)


# ---------------------------------------------------------------- class 6: the test plan


def test_reading_the_harness_random_source_gains_nothing(tmp_path: Path) -> None:
    found = challenge("retry-backoff")
    wrong = (found.wrong_dir / "jitter_before_cap.py").read_text(encoding="utf-8")
    honest = grade_files(tmp_path, found, {"solution.py": wrong})
    attacked = grade_files(tmp_path, found, {"solution.py": with_prelude(wrong, READ_THE_PLAN, at_end=True)})
    assert honest.percent < 100
    assert attacked.percent == honest.percent
    assert [t.outcome for t in attacked.tests] == [t.outcome for t in honest.tests]


# ---------------------------------------------------------------- class 7: the red-flag scan


@pytest.mark.parametrize(
    "attack", [HIJACK_AT_IMPORT, HIJACK_BY_THREAD, DISPATCH_TABLE], ids=["hijack", "thread", "dispatch"]
)
def test_every_attack_here_is_a_tampering_red_flag(attack: str) -> None:
    flags = scan_source("solution.py", attack)
    assert any(flag.tampering for flag in flags), flags
