"""Attacks on the challenges that run a driver next to the submission, graded for real in Docker.

Two Django challenges (select-vs-prefetch, bulk-lookup) and two Python ones (retry-backoff,
versioned-cache), plus the challenges whose instruments an attack aims at (api-exception-handler's
log capture, token-bucket's clock, streaming-export's traced memory). Each attack is refused at
intake, marks its tests "tampered" (scoring nothing), or scores exactly what its underlying code
scores without the cheat. The
SQL-count and fault-injection attacks are in test_sql_attacks.py; how the kernel counts the worker's
memory from outside is in test_worker_memory.py.
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


# Class 3 (log): the exception being handled attached to every record the handler logs without
# one, by a filter installed at import, by a filter installed while a request is handled, or by a
# record factory. Each wraps a handler that logs its 500s without exc_info.
ATTACH = """
import logging as _logging, sys as _sys
def _attach(record):
    if not record.exc_info and _sys.exc_info()[0] is not None:
        record.exc_info = _sys.exc_info()
    return record
class _Attach(_logging.Filter):
    def filter(self, record):
        return bool(_attach(record))
"""
ATTACH_BY_FILTER_AT_IMPORT = (
    ATTACH
    + """
_logging.getLogger("api.errors").addFilter(_Attach())
"""
)
ATTACH_BY_FILTER_PER_REQUEST = (
    ATTACH
    + """
_handle = exception_handler
def exception_handler(exc, context):
    _logging.getLogger("api.errors").addFilter(_Attach())
    return _handle(exc, context)
"""
)
ATTACH_BY_RECORD_FACTORY = (
    ATTACH
    + """
_factory = _logging.getLogRecordFactory()
_logging.setLogRecordFactory(lambda *args, **kwargs: _attach(_factory(*args, **kwargs)))
"""
)

# Class 3 (clock): a wrong bucket that switches to a correct one when it recognises the grader's
# fake clock by its class name, repr, attributes or private state.
FOLLOW_THE_GRADERS_CLOCK = """
def _probe(read):
    try:
        return str(read())
    except Exception:
        return ""
def _graders_clock(clock):
    seen = " ".join(_probe(read) for read in (lambda: type(clock).__name__, lambda: repr(clock), lambda: dir(clock)))
    private = any(_probe(lambda: getattr(clock, name)) for name in ("_advance", "_now", "advance", "values"))
    return private or any(word in seen.lower() for word in ("fake", "test", "harness"))
_correct = {}
exec(compile(CORRECT_SOURCE, "correct", "exec"), _correct)
_WrongBucket, _WrongLimiter = TokenBucket, TieredRateLimiter
def TokenBucket(capacity, refill_per_second, clock):
    kind = _correct["TokenBucket"] if _graders_clock(clock) else _WrongBucket
    return kind(capacity, refill_per_second, clock)
def TieredRateLimiter(tiers, clock):
    kind = _correct["TieredRateLimiter"] if _graders_clock(clock) else _WrongLimiter
    return kind(tiers, clock)
"""

# Class 3 (memory): a materialising export that makes tracemalloc report no peak.
HIDE_THE_PEAK = """
import tracemalloc as _tracemalloc
_tracemalloc.get_traced_memory = lambda: (0, 0)
"""

# Class 5: what a test's code leaves behind (a file in /tmp, a patched builtin, a thread, a
# process) is what a later test would build on; the code refuses to work if it finds any.
LEAVE_SOMETHING_BEHIND = """
import builtins as _builtins, os as _os, subprocess as _subprocess, sys as _sys, threading as _threading, time as _time
_MARK = "left-by-an-earlier-test"
def _processes():
    for pid in _os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if _MARK.encode() in handle.read():
                    yield pid
        except OSError:
            pass
_left = [
    name
    for name, present in (
        ("file", _os.path.exists("/tmp/" + _MARK)),
        ("builtin", hasattr(_builtins, "left_by_an_earlier_test")),
        ("thread", any(thread.name == _MARK for thread in _threading.enumerate())),
        ("process", any(_processes())),
    )
    if present
]
if _left:
    raise RuntimeError("left by an earlier test: " + ", ".join(_left))
open("/tmp/" + _MARK, "w").close()
_builtins.left_by_an_earlier_test = True
_threading.Thread(target=_time.sleep, args=(3600,), name=_MARK, daemon=True).start()
_subprocess.Popen([_sys.executable, "-c", "import time; time.sleep(3600)", _MARK])
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


@pytest.mark.parametrize("slug", ["select-vs-prefetch", "retry-backoff"])
def test_nothing_a_test_leaves_behind_reaches_the_next(tmp_path: Path, slug: str) -> None:
    found = challenge(slug)
    honest = grade_files(tmp_path, found, {"solution.py": reference(found)})
    attacked = grade_files(
        tmp_path, found, {"solution.py": with_prelude(reference(found), LEAVE_SOMETHING_BEHIND, at_end=True)}
    )
    assert not [test.message for test in attacked.tests if "left by an earlier test" in test.message]
    assert [t.outcome for t in attacked.tests] == [t.outcome for t in honest.tests]
    assert attacked.percent == honest.percent == 100


# ---------------------------------------------------------------- class 3: log capture and clocks


def test_a_log_filter_installed_at_import_does_not_attach_the_exception(tmp_path: Path) -> None:
    found = challenge("api-exception-handler")
    wrong = (found.wrong_dir / "no_exc_info.py").read_text(encoding="utf-8")
    honest = grade_files(tmp_path, found, {"solution.py": wrong})
    attacked = grade_files(
        tmp_path, found, {"solution.py": with_prelude(wrong, ATTACH_BY_FILTER_AT_IMPORT, at_end=True)}
    )
    assert honest.percent < 100
    assert [t.outcome for t in attacked.tests] == [t.outcome for t in honest.tests]


@pytest.mark.parametrize(
    "attack", [ATTACH_BY_FILTER_PER_REQUEST, ATTACH_BY_RECORD_FACTORY], ids=["filter-per-request", "record-factory"]
)
def test_a_log_record_changed_on_its_way_to_the_driver_is_tampering(tmp_path: Path, attack: str) -> None:
    found = challenge("api-exception-handler")
    wrong = (found.wrong_dir / "no_exc_info.py").read_text(encoding="utf-8")
    honest = grade_files(tmp_path, found, {"solution.py": wrong})
    attacked = grade_files(tmp_path, found, {"solution.py": with_prelude(wrong, attack, at_end=True)})
    assert Outcome.TAMPERED in verdicts(attacked)
    for before, after in zip(honest.tests, attacked.tests, strict=True):
        assert after.outcome in (before.outcome, Outcome.TAMPERED), (before.name, after.message)
    assert attacked.score < honest.score


def test_hiding_the_traced_peak_is_tampering(tmp_path: Path) -> None:
    found = challenge("streaming-export")
    wrong = (found.wrong_dir / "materializes_rows.py").read_text(encoding="utf-8")
    attacked = grade_files(tmp_path, found, {"solution.py": with_prelude(wrong, HIDE_THE_PEAK)})
    assert verdicts(attacked) == {Outcome.TAMPERED}
    assert attacked.score == 0


def test_the_graders_clock_cannot_be_recognised(tmp_path: Path) -> None:
    found = challenge("token-bucket")
    wrong = (found.wrong_dir / "full_time_credited.py").read_text(encoding="utf-8")
    attack = f"CORRECT_SOURCE = {reference(found)!r}\n" + FOLLOW_THE_GRADERS_CLOCK
    honest = grade_files(tmp_path, found, {"solution.py": wrong})
    attacked = grade_files(tmp_path, found, {"solution.py": with_prelude(wrong, attack, at_end=True)})
    assert honest.percent < 100
    assert [t.outcome for t in attacked.tests] == [t.outcome for t in honest.tests]


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
    "attack",
    [HIJACK_AT_IMPORT, HIJACK_BY_THREAD, DISPATCH_TABLE, ATTACH_BY_RECORD_FACTORY, HIDE_THE_PEAK],
    ids=["hijack", "thread", "dispatch", "record-factory", "hide-the-peak"],
)
def test_every_attack_here_is_a_tampering_red_flag(attack: str) -> None:
    flags = scan_source("solution.py", attack)
    assert any(flag.tampering for flag in flags), flags
