"""Attacks on how the Django bank counts SQL and injects faults, graded for real in Docker.

Each attack takes a known-wrong solution (one that runs too many queries, or does not keep a
transfer atomic) and adds, at import, a way to hide what it does from anything inside the worker's
process: queries sent through the raw driver cursor, Django's execute wrappers skipped, the
in-process capture list made to forget, the fault trigger dropped or disabled. The statements are
counted and the faults raised by the grader's PostgreSQL server, outside the worker, so each attack
must score exactly what the honest wrong solution scores (or, where it patches the grader's own kit
in the worker, have every test marked tampered).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.api import SandboxChoice, grade
from grader.challenges import Challenge, load_challenge
from grader.models import GradeResult, Outcome
from grader.resources import default_bank_dir
from tests.conftest import RUN_IDS, docker_unavailable

pytestmark = [pytest.mark.docker]

# Every ORM query goes straight to the psycopg cursor: no execute wrapper, no debug cursor.
RAW_CURSOR = """
from django.db.backends import utils as _utils
_utils.CursorWrapper.execute = lambda self, sql, params=None: self.cursor.execute(sql, params)
_utils.CursorWrapper.executemany = lambda self, sql, params: self.cursor.executemany(sql, params)
"""

# Django's execute wrappers (capture_queries, fault injectors) are skipped for every statement.
NO_WRAPPERS = """
from django.db.backends import utils as _utils
def _skip(self, sql, params, many, executor):
    return executor(sql, params, many, {"connection": self.db, "cursor": self})
_utils.CursorWrapper._execute_with_wrappers = _skip
"""

# djangokit's capture list forgets every statement appended to it.
FORGETFUL_CAPTURE = """
import contextlib as _contextlib
import djangokit as _kit
class _Forgetful(list):
    def append(self, item):
        pass
_capture = _kit.capture_queries
@_contextlib.contextmanager
def _quiet(*args, **kwargs):
    with _capture(*args, **kwargs):
        yield _Forgetful()
_kit.capture_queries = _quiet
"""

# Whatever the harness put on the tables to fail a write: before every call, try every way to get
# rid of it (each on a connection of its own, so a refusal spoils nothing), then call the code.
DISARM_TRIGGERS = """
from django.db import connection as _connection, connections as _connections

def _disarm():
    _connection.execute_wrappers.clear()
    for sql in (
        "SET session_replication_role = replica",
        "ALTER TABLE bank_account DISABLE TRIGGER ALL",
        "ALTER TABLE bank_auditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER IF EXISTS grader_fault ON bank_account",
        "DROP FUNCTION IF EXISTS grader_fault() CASCADE",
    ):
        other = _connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute(sql)
        except Exception:
            pass
        finally:
            other.close()

def _armed(function):
    def call(*args, **kwargs):
        _disarm()
        return function(*args, **kwargs)
    return call

transfer = _armed(transfer)
transfer_many = _armed(transfer_many)
"""

QUERY_COUNTS = [("select-vs-prefetch", "n_plus_one_books.py"), ("bulk-lookup", "customers_n_plus_one.py")]


@pytest.fixture(scope="module", autouse=True)
def docker_ready() -> Iterator[None]:
    from grader.errors import SandboxError
    from grader.sandbox.image import ensure_image

    try:
        ensure_image()
    except SandboxError as exc:
        docker_unavailable(f"Docker sandbox unavailable: {exc}")
    yield


def with_prelude(source: str, prelude: str) -> str:
    """`prelude` runs first at import (after any __future__ import, which must stay first)."""
    lines = source.splitlines(keepends=True)
    cut = max((i + 1 for i, line in enumerate(lines) if line.startswith("from __future__")), default=0)
    return "".join(lines[:cut]) + prelude + "\n" + "".join(lines[cut:])


def grade_text(tmp_path: Path, challenge: Challenge, source: str) -> GradeResult:
    folder = tmp_path / uuid.uuid4().hex[:8]
    folder.mkdir()
    (folder / "solution.py").write_text(source, encoding="utf-8")
    run_id = f"t{uuid.uuid4().hex[:11]}"
    RUN_IDS.append(run_id)
    return grade(folder, challenge, sandbox=SandboxChoice("docker"), run_id=run_id)


def failed_tests(result: GradeResult) -> list[str]:
    return sorted(t.id for t in result.tests if t.outcome is not Outcome.PASSED)


_HONEST: dict[tuple[str, str], GradeResult] = {}


def honest_grade(tmp_path: Path, challenge: Challenge, wrong: str) -> GradeResult:
    """The wrong solution as it is, graded once per module."""
    key = (challenge.slug, wrong)
    if key not in _HONEST:
        _HONEST[key] = grade_text(tmp_path, challenge, (challenge.wrong_dir / wrong).read_text(encoding="utf-8"))
    return _HONEST[key]


@pytest.mark.parametrize(("slug", "wrong"), QUERY_COUNTS)
@pytest.mark.parametrize(
    "attack", [RAW_CURSOR, NO_WRAPPERS, FORGETFUL_CAPTURE], ids=["raw-cursor", "no-wrappers", "forgetful-capture"]
)
def test_hidden_queries_are_counted_all_the_same(tmp_path: Path, slug: str, wrong: str, attack: str) -> None:
    challenge = load_challenge(default_bank_dir() / slug)
    honest = honest_grade(tmp_path, challenge, wrong)
    source = (challenge.wrong_dir / wrong).read_text(encoding="utf-8")
    attacked = grade_text(tmp_path, challenge, with_prelude(source, attack))
    assert honest.percent < 100
    if any(t.outcome is Outcome.TAMPERED for t in attacked.tests):
        # Patching the grader's kit is caught in the worker: every test scores nothing.
        assert {t.outcome for t in attacked.tests} == {Outcome.TAMPERED}
        assert attacked.percent == 0
    else:
        assert attacked.percent == honest.percent
        assert failed_tests(attacked) == failed_tests(honest)


def test_the_fault_triggers_cannot_be_disarmed(tmp_path: Path) -> None:
    challenge = load_challenge(default_bank_dir() / "atomic-transfer")
    honest = honest_grade(tmp_path, challenge, "no_atomic.py")
    source = (challenge.wrong_dir / "no_atomic.py").read_text(encoding="utf-8") + "\n" + DISARM_TRIGGERS
    attacked = grade_text(tmp_path, challenge, source)
    assert honest.percent < 100
    assert attacked.percent <= honest.percent
    passed = {t.id for t in attacked.tests if t.outcome is Outcome.PASSED}
    assert passed <= {t.id for t in honest.tests if t.outcome is Outcome.PASSED}
