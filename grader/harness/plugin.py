"""The pytest plugin that runs a challenge's suite against a remote submission.

It lives in the trusted harness process: it owns the worker session, the
fixtures the suites use, the per-test verdicts and every counter. The worker
only ever sees the calls the tests make.
"""

from __future__ import annotations

import functools
import inspect
import time
import tomllib
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import engine as conjecture_engine
from hypothesis.internal.conjecture import providers as conjecture_providers
from hypothesis.internal.constants_ast import Constants

from grader.database import TestDatabase, TestDatabases
from grader.errors import SandboxError, one_line
from grader.harness.session import MemoryWindow, WorkerFailure, WorkerSession
from grader.models import Outcome, TestResult, Timing
from grader.sandbox.base import DeathKind

# Hypothesis may shrink one failing test for up to five minutes (one took 260 s on a wrong
# variant); the verdict is known before shrinking starts, so a shorter budget only makes
# some falsifying examples less minimal.
SHRINK_SECONDS = 30
NOT_RUN = "not run: the run stopped before this test"
MESSAGE_CHARS = 2000
CONTEXT_CHARS = 240
OUTPUT_CHARS = 4000
EXAMPLE_CHARS = 4000
DESCRIPTION_CHARS = 120
DESCRIPTIONS_FILE = "descriptions.toml"

_current: GraderPlugin | None = None


class SuiteTimeLimit(BaseException):
    """The whole-suite budget ran out before this test started."""


@dataclass(slots=True)
class TestRecord:
    """Mutable while the test runs; turned into a TestResult at the end."""

    id: str
    weight: float
    outcome: Outcome = Outcome.PASSED
    message: str = ""
    falsifying_example: str | None = None
    duration_s: float = 0.0
    output: str = ""
    timing: Timing | None = None
    description: str = ""
    phases: list[str] = field(default_factory=list)
    started: bool = False

    def result(self) -> TestResult:
        if not self.started:
            # A test that never ran never scores: the run stopped first (-x, a crash of pytest itself).
            return TestResult(self.id, Outcome.ERROR, self.weight, 0.0, NOT_RUN, description=self.description)
        return TestResult(
            self.id, self.outcome, self.weight, self.duration_s, self.message, self.falsifying_example,
            self.output, self.timing, self.description,
        )  # fmt: skip


class LazyModule:
    """A remote module imported on first use, inside the test body.

    Importing in the fixture would turn a submission that dies at import into a
    fixture error, which pytest handles poorly for BaseException; here it fails
    the test itself, with the reason.
    """

    __slots__ = ("_module", "_name", "_session")

    def __init__(self, session: WorkerSession, name: str) -> None:
        self._session = session
        self._name = name
        self._module: Any = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)  # keep pytest's and hypothesis's introspection local
        if self._module is None:
            self._module = self._session.load(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<submission module {self._name}>"


def describe(item: pytest.Item) -> str:
    """A test's public description, written for candidates; "" when it has none.

    From `descriptions.toml` beside the test file (key: the test function's name, `Class.method`, or
    a state machine's class name for its `Machine.TestCase`), else the first line of the docstring.
    The file comes first because a docstring is part of the function's source, from which hypothesis
    derives a derandomized test's examples: describing a test must not change what it tries.
    """
    function = getattr(item, "obj", None)
    module = getattr(item, "module", None)
    owner = getattr(item, "cls", None)
    name = str(getattr(item, "originalname", item.name))
    key, source = name, function
    if owner is not None and getattr(function, "__qualname__", "").endswith(".runTest"):
        machine_name = owner.__qualname__.removesuffix(".TestCase")
        key = machine_name
        source = getattr(module, machine_name, owner) if "." not in machine_name else owner
    elif owner is not None:
        key = f"{owner.__name__}.{name}"
    listed = described_in(Path(str(item.path)).parent).get(key)
    if isinstance(listed, str):
        return listed.strip()[:DESCRIPTION_CHARS]
    lines = inspect.cleandoc(getattr(source, "__doc__", None) or "").splitlines()
    return lines[0].strip()[:DESCRIPTION_CHARS] if lines else ""


@functools.cache
def described_in(folder: Path) -> dict[str, Any]:
    """The `[descriptions]` table of `folder/descriptions.toml` ({} when there is none); a broken
    file is a collection error of the suite, not a grading that silently describes nothing."""
    path = folder / DESCRIPTIONS_FILE
    if not path.is_file():
        return {}
    table = tomllib.loads(path.read_text(encoding="utf-8")).get("descriptions", {})
    return table if isinstance(table, dict) else {}


def current() -> GraderPlugin:
    if _current is None:
        raise RuntimeError("no grading session is active (run the suite through the grader)")
    return _current


_NO_CONSTANTS = Constants()
HYPOTHESIS_LOCAL_CONSTANTS = conjecture_providers._get_local_constants  # what the plugin replaces


def _no_local_constants() -> Constants:
    return _NO_CONSTANTS


class GraderPlugin:
    def __init__(
        self,
        session: WorkerSession,
        *,
        entry: str,
        driver: str | None,
        suite_seconds: float,
        max_examples: int,
        shrink: bool = True,
        databases: TestDatabases | None = None,
    ) -> None:
        self.session = session
        self.databases = databases
        self.entry = entry
        self.driver_module = driver
        self.suite_seconds = suite_seconds
        self.max_examples = max_examples
        self.shrink = shrink
        self.records: dict[str, TestRecord] = {}
        self.collection_errors: list[str] = []
        # The sandbox could not start (no channel, an engine error): the grading is an infrastructure
        # failure, never a verdict on the submission, whose code has not run when this happens.
        self.infrastructure_error: str | None = None
        self.started = time.monotonic()
        self.active: TestRecord | None = None

    # ------------------------------------------------------------ configuration

    def pytest_configure(self, config: pytest.Config) -> None:
        global _current
        _current = self
        config.addinivalue_line("markers", "weight(n): points this test is worth (default 1)")
        settings.register_profile(
            "grader",
            derandomize=True,
            database=None,
            deadline=None,
            print_blob=False,
            report_multiple_bugs=False,
            max_examples=self.max_examples,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            # No `explain` phase: it re-runs many examples per failing test and the shrunk
            # example already says what failed.
            phases=[Phase.explicit, Phase.generate, Phase.target, *([Phase.shrink] if self.shrink else [])],
        )
        settings.load_profile("grader")
        # A module constant of the pinned hypothesis, read when shrinking starts.
        conjecture_engine.MAX_SHRINKING_SECONDS = SHRINK_SECONDS
        # Hypothesis mixes literals from the "local" modules in sys.modules into what it
        # generates. In the harness those are the grader's own modules (the submission is in
        # another process), and which are loaded depends on the sandbox backend and on when a
        # background thread imports them: the same derandomized property explored different
        # examples with the local and the docker worker. No local constants: the same
        # examples whatever the backend, the install or the timing.
        conjecture_providers._get_local_constants = _no_local_constants

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        global _current
        _current = None
        self.session.close()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {str(report.longrepr)[-MESSAGE_CHARS:]}")

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        """Tests left out by -k are not part of this run's result at all."""
        for item in items:
            self.records.pop(item.nodeid, None)

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("weight")
            weight: Any = 1 if marker is None else (marker.args[0] if marker.args else None)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0:
                self.collection_errors.append(f"{item.nodeid}: weight must be a positive number")
                weight = 1
            self.records[item.nodeid] = TestRecord(item.nodeid, float(weight), description=describe(item))

    # ------------------------------------------------------------ fixtures

    @pytest.fixture
    def submission(self) -> LazyModule:
        """The submission's entry module, as a remote object."""
        return LazyModule(self.session, self.entry)

    @pytest.fixture
    def driver(self) -> LazyModule:
        """The challenge's driver module, loaded in the worker next to the submission."""
        if self.driver_module is None:
            raise RuntimeError("this challenge has no driver")
        return LazyModule(self.session, self.driver_module)

    @pytest.fixture
    def worker_memory(self) -> Callable[[], AbstractContextManager[MemoryWindow]]:
        """`with worker_memory() as used: ...`, then `used.growth_mb`: how far the worker's peak
        memory rose during the block, counted by the kernel outside the test's process."""
        return self.session.memory_window

    @pytest.fixture
    def database(self) -> TestDatabase:
        """This test's PostgreSQL database, seen from outside the worker (a Django challenge on
        PostgreSQL): load rows, observe the statements the worker's role sends, read the data."""
        if self.databases is None:
            raise RuntimeError("this challenge has no PostgreSQL database")
        return self.databases.current()

    # ------------------------------------------------------------ running

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, None, None]:
        self.active = self.records.get(item.nodeid)
        if self.active is not None:
            self.active.started = True
        yield
        self.active = None

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if time.monotonic() - self.started > self.suite_seconds:
            raise SuiteTimeLimit(f"suite time limit ({self.suite_seconds:g} s) exceeded")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Iterator[None]:
        yield
        output = self.session.finish_test()
        if self.databases is not None:
            self.databases.release()
        record = self.records.get(item.nodeid)
        lost = output.get("lost")
        if record is not None and isinstance(lost, WorkerFailure) and record.outcome is Outcome.PASSED:
            record.outcome, record.message = worker_failure_verdict(lost)
        if record is not None and output.get("tampered"):
            record.outcome = Outcome.TAMPERED
            record.message = _short(f"tampering: {output['tampered']} (the test scores nothing)")
        if record is not None:
            text = output["text"]
            if len(text) > OUTPUT_CHARS:
                text = text[:OUTPUT_CHARS]
            if output.get("dropped_bytes") or len(output["text"]) > OUTPUT_CHARS:
                text += "\n[output truncated]"
            record.output = text

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        record = self.records.get(item.nodeid)
        if record is None:
            return
        record.duration_s += report.duration
        if record.outcome is not Outcome.PASSED:
            return  # the first problem is the one reported
        if report.skipped:
            record.outcome = Outcome.ERROR
            record.message = "skipped tests do not score"
        elif report.failed:
            if call.excinfo is not None and isinstance(call.excinfo.value, SandboxError):
                self.infrastructure_error = self.infrastructure_error or one_line(call.excinfo.value)
            record.outcome, record.message = classify(call.excinfo, report)
            if call.excinfo is not None:
                record.falsifying_example = falsifying_example(call.excinfo.value)

    # ------------------------------------------------------------ results

    def results(self) -> list[dict[str, Any]]:
        return [record.result().to_dict() for record in self.records.values()]


def classify(excinfo: pytest.ExceptionInfo[BaseException] | None, report: pytest.TestReport) -> tuple[Outcome, str]:
    """The verdict of a failed test phase, and a one-paragraph reason."""
    if excinfo is None:
        return Outcome.ERROR, _short(str(report.longrepr))
    exc = excinfo.value
    if isinstance(exc, WorkerFailure):
        return worker_failure_verdict(exc)
    if isinstance(exc, SuiteTimeLimit):
        return Outcome.TIMEOUT, _short(str(exc))
    crash = getattr(report.longrepr, "reprcrash", None)
    message = crash.message if crash is not None else f"{type(exc).__name__}: {exc}"
    message = lead_with_the_point(message, falsifying_example(exc))
    if isinstance(exc, (AssertionError, pytest.fail.Exception)):
        return Outcome.FAILED, _short(message)
    return Outcome.ERROR, _short(message)


def worker_failure_verdict(failure: WorkerFailure) -> tuple[Outcome, str]:
    kind = {DeathKind.TIMEOUT: Outcome.TIMEOUT, DeathKind.MEMORY: Outcome.MEMORY}
    return kind.get(failure.kind, Outcome.CRASHED), _short(failure.detail)


def lead_with_the_point(message: str, example: str | None) -> str:
    """A failure message a reviewer reads at a glance: pytest's `assert ...` block first, then the
    context the test attached (long lines cut in the middle, with their length), and without the
    falsifying example, which the report shows once, on its own."""
    if example and example in message:
        message = message.replace(example, "").rstrip()
    if message.startswith("AssertionError: assert "):
        message = message[len("AssertionError: ") :]
    lines = message.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("assert ")), None)
    if start is None:
        return "\n".join(elide(line) for line in lines)
    block = [line for line in lines[start:] if not _tautology(line)]
    context = lines[:start]
    if context:
        kind, colon, rest = context[0].partition(":")
        if colon and kind == "AssertionError":
            context[0] = rest.strip()
    return "\n".join(block + [elide(line) for line in context if line.strip()])


def _tautology(line: str) -> bool:
    """pytest's `+ where X = X` (a method looked up on a proxy) says nothing."""
    stripped = line.strip()
    if not stripped.startswith("+"):
        return False
    left, sep, right = stripped.lstrip("+ ").removeprefix("where ").partition(" = ")
    return bool(sep) and left == right


def elide(text: str, keep: int = CONTEXT_CHARS) -> str:
    """`text` cut in the middle past `keep` characters, saying how much was left out."""
    if len(text) <= keep:
        return text
    half = keep // 2
    return f"{text[:half]} \u2026[{len(text) - 2 * half} of {len(text)} characters]\u2026 {text[-half:]}"


def falsifying_example(exc: BaseException) -> str | None:
    """Hypothesis's shrunk example, from the notes it attaches to the exception."""
    notes = [note for note in getattr(exc, "__notes__", []) if isinstance(note, str)]
    start = next(
        (i for i, note in enumerate(notes) if note.startswith(("Falsifying", "Failing test case"))),
        None,
    )
    if start is None:
        return None
    kept = [note for note in notes[start:] if not note.startswith(("You can", "Explanation"))]
    return "\n".join(kept)[:EXAMPLE_CHARS]


def _short(text: str) -> str:
    return text if len(text) <= MESSAGE_CHARS else text[:MESSAGE_CHARS] + " [...]"
