"""`grader verify`: the bank's own quality gate.

Every reference scores 100%, every stub 0%, the visible tests pass on the
reference, every known-wrong submission stays under its declared bound and is
caught by at least one generated test (a hypothesis property or state machine,
not only a hand-written example), and every alternative correct solution
scores 100%.
"""

from __future__ import annotations

import ast
import dataclasses
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from grader.api import SandboxChoice, grade
from grader.challenges import Challenge, load_challenge
from grader.errors import GraderError
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult

MAX_PERCENT = re.compile(r"^#\s*max-percent:\s*(\d+(?:\.\d+)?)\s*$", re.MULTILINE)
WRONG_NOTE = re.compile(r"^#\s*wrong:\s*(\S.*)$", re.MULTILINE)
MIN_WRONG = 5
MIN_ALTERNATIVES = 2
REFERENCE_JOB = "reference scores 100%"


@dataclass(frozen=True, slots=True)
class Check:
    challenge: str
    name: str
    ok: bool
    detail: str
    seconds: float | None = None  # wall time of the grading(s) the check judged, when it judged one


@dataclass(frozen=True, slots=True)
class GradingJob:
    challenge: Challenge
    name: str
    submission: Path
    suite: Suite
    judge: Callable[[GradeResult], tuple[bool, str]]


def parse_wrong_header(path: Path) -> tuple[str, float]:
    """The reason a wrong variant is wrong, and the highest percent it may score."""
    head = path.read_text(encoding="utf-8")[:2000]
    note = WRONG_NOTE.search(head)
    bound = MAX_PERCENT.search(head)
    if note is None or bound is None:
        raise GraderError(f"{path}: needs '# wrong: ...' and '# max-percent: N' header lines")
    percent = float(bound.group(1))
    if percent >= 100:
        raise GraderError(f"{path}: max-percent must be below 100")
    return note.group(1).strip(), percent


def _summary(result: GradeResult) -> str:
    if result.status is GradeStatus.ERROR:
        return f"error: {result.error}"
    bad = [t for t in result.tests if t.outcome is not Outcome.PASSED]
    text = f"{result.percent:g}%"
    if bad:
        text += f" ({len(bad)} not passed, e.g. {bad[0].id}: {bad[0].outcome.value} {bad[0].message[:120]!r})"
    return text


def _expect_full(result: GradeResult) -> tuple[bool, str]:
    return result.full_marks, _summary(result)


def _expect_zero(result: GradeResult) -> tuple[bool, str]:
    return result.status is GradeStatus.GRADED and result.score == 0, _summary(result)


# ------------------------------------------------------------------ generated tests

GIVEN = "hypothesis.given"
STATE_MACHINE = "hypothesis.stateful.RuleBasedStateMachine"
RUN_STATE_MACHINE = "hypothesis.stateful.run_state_machine_as_test"
# What `from M import *` binds, for the few names this module looks for.
STAR_NAMES = {"hypothesis": ("given",), "hypothesis.stateful": ("RuleBasedStateMachine", "run_state_machine_as_test")}

# A suite's generated tests, per file of the hidden suite (its path relative to the suite folder).
GeneratedTests = Mapping[str, frozenset[str]]


def generated_tests(source: str) -> frozenset[str]:
    """The generated tests a test module defines, by the name pytest gives them after `file.py::`.

    `test_x`: a function decorated with hypothesis' `given` (or one that runs a state machine
    with `run_state_machine_as_test`). `TestMachine`: a class made from a state machine's
    `TestCase` (`TestMachine = Machine.TestCase`, possibly wrapped in calls such as
    `pytest.mark.weight(3)(...)`, or `class TestMachine(Machine.TestCase)`), where the machine
    is a class of this module derived from `RuleBasedStateMachine`; every test in it counts.
    `TestGroup::test_y`: a `given` method of a test class. Decided from the source alone (it is
    never imported), so a machine defined in another module is not recognised.
    """
    tree = ast.parse(source)
    aliases = _import_aliases(tree)
    found: set[str] = set()
    _scan_body(tree.body, "", aliases, set(), found)
    return frozenset(found)


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    aliases[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    aliases[top] = top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name == "*":
                    aliases.update({name: f"{node.module}.{name}" for name in STAR_NAMES.get(node.module, ())})
                else:
                    aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: Mapping[str, str]) -> str | None:
    """`h.given` -> "hypothesis.given" when `import hypothesis as h`; None for anything not a name."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _calls(node: ast.AST, dotted: str, aliases: Mapping[str, str]) -> bool:
    return any(isinstance(n, ast.Call) and _dotted(n.func, aliases) == dotted for n in ast.walk(node))


def _is_generated_function(node: ast.FunctionDef | ast.AsyncFunctionDef, aliases: Mapping[str, str]) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if _dotted(target, aliases) == GIVEN:
            return True
    return any(_calls(statement, RUN_STATE_MACHINE, aliases) for statement in node.body)


def _machine_test_case(node: ast.expr, machines: set[str]) -> bool:
    """`node` is, or contains, `SomeMachine.TestCase` for a state machine of this module."""
    return any(
        isinstance(n, ast.Attribute)
        and n.attr == "TestCase"
        and isinstance(n.value, ast.Name)
        and n.value.id in machines
        for n in ast.walk(node)
    )


def _scan_body(
    body: Sequence[ast.stmt], prefix: str, aliases: Mapping[str, str], machines: set[str], found: set[str]
) -> None:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if _is_generated_function(node, aliases):
                found.add(prefix + node.name)
        elif isinstance(node, ast.ClassDef):
            name = prefix + node.name
            if any(
                _dotted(base, aliases) == STATE_MACHINE or (isinstance(base, ast.Name) and base.id in machines)
                for base in node.bases
            ):
                machines.add(node.name)
            elif any(
                _machine_test_case(base, machines) or (isinstance(base, ast.Name) and prefix + base.id in found)
                for base in node.bases
            ):
                found.add(name)
            else:
                _scan_body(node.body, name + "::", aliases, machines, found)
        elif (
            isinstance(node, ast.Assign | ast.AnnAssign)
            and node.value is not None
            and (_machine_test_case(node.value, machines) or _calls(node.value, GIVEN, aliases))
        ):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update(prefix + t.id for t in targets if isinstance(t, ast.Name))


def suite_generated_tests(suite_dir: Path) -> dict[str, frozenset[str]]:
    """`generated_tests` of every Python file of a suite folder, by path relative to it."""
    generated: dict[str, frozenset[str]] = {}
    for path in sorted(suite_dir.rglob("*.py")):
        try:
            names = generated_tests(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError) as exc:
            raise GraderError(f"{path}: cannot be parsed to find its generated tests ({exc})") from exc
        if names:
            generated[path.relative_to(suite_dir).as_posix()] = names
    return generated


def split_test_id(test_id: str) -> tuple[str, tuple[str, ...]]:
    """`test_x.py::TestA::test_b[p::q]` -> ("test_x.py", ("TestA", "test_b")): file, then names."""
    file, _, rest = test_id.partition("::")
    rest = rest.split("[", 1)[0]  # a parametrized test's id ends with `[...]`, which may hold anything
    return file, tuple(rest.split("::")) if rest else ()


def is_generated(test_id: str, generated: GeneratedTests) -> bool:
    """The test is one of the suite's generated tests, or inside a generated test class."""
    file, names = split_test_id(test_id)
    known = generated.get(file)
    if known is None:  # ids relative to another folder than the suite's: match on the path's end
        known = frozenset().union(
            *(v for k, v in generated.items() if file.endswith("/" + k) or k.endswith("/" + file))
        )
    return any("::".join(names[:i]) in known for i in range(1, len(names) + 1))


def too_slow(test: TestResult) -> bool:
    """Failed on a time bound of `run_batch`/`timed`, not on an answer."""
    over = test.timing is not None and test.timing.elapsed_s > test.timing.bound_s
    return over or test.message.startswith("too slow:")


# How the harness marks a test the run stopped before (grader.harness.plugin.NOT_RUN, not imported
# here: it would load pytest into every `grader verify`).
NOT_RUN_PREFIX = "not run:"


@dataclass(frozen=True, slots=True)
class Catchers:
    """The tests a wrong submission did not pass, by kind (names without the file part)."""

    generated: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    slow: tuple[str, ...] = ()  # hand-written tests that failed only on their time bound
    not_run: tuple[str, ...] = ()  # the run stopped before them: they caught nothing

    @property
    def found_by_generated(self) -> bool:
        """A generated test caught it, or it gives right answers and only a time bound can tell."""
        return bool(self.generated) or (bool(self.slow) and not self.examples)


def catchers(tests: Iterable[TestResult], generated: GeneratedTests) -> Catchers:
    """Sort the tests that did not pass: generated, hand-written examples, time bounds, not run."""
    kinds: dict[str, list[str]] = {"generated": [], "examples": [], "slow": [], "not_run": []}
    for test in tests:
        if test.outcome is Outcome.PASSED:
            continue
        if test.outcome is Outcome.ERROR and test.message.startswith(NOT_RUN_PREFIX):
            kind = "not_run"
        elif is_generated(test.id, generated):
            kind = "generated"
        else:
            kind = "slow" if too_slow(test) else "examples"
        kinds[kind].append(test.id.partition("::")[2] or test.id)
    return Catchers(**{kind: tuple(names) for kind, names in kinds.items()})


NAMES_SHOWN = 4


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + (f" and {len(names) - NAMES_SHOWN} more" if len(names) > NAMES_SHOWN else "")


def judge_wrong(
    result: GradeResult, bound: float, generated: GeneratedTests, *, require_generated: bool = True
) -> tuple[bool, str]:
    """At most its bound, below 100%, and caught by a generated test (or, right but slow, by a time bound).

    `require_generated=False` reports who caught the variant without failing one caught only by
    examples (the bank's default while its suites are brought up to the rule: `verify --require-generated`).

    "42% (max 60): caught by generated test_a, TestM::runTest; by examples test_b"
    """
    if result.status is not GradeStatus.GRADED:
        return False, f"{_summary(result)} (max {bound:g}%)"
    found = catchers(result.tests, generated)
    within = result.percent <= bound and result.percent < 100
    parts = [
        f"{label} {_names(names)}"
        for label, names in (
            ("by generated", found.generated),
            ("by examples", found.examples),
            ("by the time bound of", found.slow),
        )
        if names
    ]
    detail = f"{result.percent:g}% (max {bound:g}{'' if within else ', over it'}): "
    detail += ("caught " + "; ".join(parts)) if parts else "caught by no test"
    if found.not_run:
        detail += f" ({len(found.not_run)} not run: the run stopped before them)"
    if not found.found_by_generated:
        detail += " -- caught only by example tests" if found.examples else " -- no generated test fails"
    elif not found.generated:
        detail += " (right answers, too slow: only a time bound can tell)"
    return within and (found.found_by_generated or not require_generated), detail


def _expect_wrong(
    bound: float, generated: GeneratedTests, require_generated: bool
) -> Callable[[GradeResult], tuple[bool, str]]:
    def judge(result: GradeResult) -> tuple[bool, str]:
        return judge_wrong(result, bound, generated, require_generated=require_generated)

    return judge


def static_checks(challenge: Challenge) -> list[Check]:
    checks = []
    prompt = challenge.prompt_path
    text = prompt.read_text(encoding="utf-8") if prompt.is_file() else ""
    checks.append(
        Check(
            challenge.slug,
            "prompt",
            bool(text.strip()),
            "prompt.md" if text else "prompt.md missing or empty",
        )
    )
    for folder, label in ((challenge.stub_dir, "stub"), (challenge.reference_dir, "reference")):
        ok = (folder / f"{challenge.entry}.py").is_file() or (folder / challenge.entry / "__init__.py").is_file()
        checks.append(Check(challenge.slug, f"{label} files", ok, f"{folder.name}/{challenge.entry}.py"))
    for suite_dir, label in ((challenge.hidden_dir, "hidden"), (challenge.visible_dir, "visible")):
        ok = any(suite_dir.glob("test_*.py"))
        checks.append(
            Check(
                challenge.slug,
                f"{label} suite files",
                ok,
                str(suite_dir.relative_to(challenge.root)),
            )
        )
    return checks


def plan(
    challenge: Challenge, *, basic: bool, wrong: bool, require_generated: bool = True
) -> tuple[list[GradingJob], list[Check]]:
    jobs: list[GradingJob] = []
    checks: list[Check] = []
    if basic:
        jobs += [
            GradingJob(
                challenge,
                REFERENCE_JOB,
                challenge.reference_dir,
                Suite.HIDDEN,
                _expect_full,
            ),
            GradingJob(challenge, "stub scores 0%", challenge.stub_dir, Suite.HIDDEN, _expect_zero),
            GradingJob(
                challenge,
                "visible tests pass on the reference",
                challenge.reference_dir,
                Suite.VISIBLE,
                _expect_full,
            ),
        ]
    if wrong:
        wrong_files = sorted(challenge.wrong_dir.glob("*.py")) if challenge.wrong_dir.is_dir() else []
        alternatives = sorted(challenge.alternatives_dir.glob("*.py")) if challenge.alternatives_dir.is_dir() else []
        checks.append(
            Check(
                challenge.slug,
                "wrong variants",
                len(wrong_files) >= MIN_WRONG,
                f"{len(wrong_files)} (need {MIN_WRONG})",
            )
        )
        checks.append(
            Check(
                challenge.slug,
                "alternatives",
                len(alternatives) >= MIN_ALTERNATIVES,
                f"{len(alternatives)} (need {MIN_ALTERNATIVES})",
            )
        )
        generated: GeneratedTests = {}
        if wrong_files:
            try:
                generated = suite_generated_tests(challenge.hidden_dir)  # once per challenge
            except GraderError as exc:
                checks.append(Check(challenge.slug, "generated tests", False, str(exc)))
        for path in wrong_files:
            try:
                _note, bound = parse_wrong_header(path)
            except GraderError as exc:
                checks.append(Check(challenge.slug, f"wrong/{path.name}", False, str(exc)))
                continue
            jobs.append(
                GradingJob(
                    challenge,
                    f"wrong/{path.name}",
                    path,
                    Suite.HIDDEN,
                    _expect_wrong(bound, generated, require_generated),
                )
            )
        for path in alternatives:
            jobs.append(GradingJob(challenge, f"alternatives/{path.name}", path, Suite.HIDDEN, _expect_full))
            # A self-check that fails a correct answer contradicts the prompt the candidate follows.
            jobs.append(GradingJob(challenge, f"alternatives/{path.name} (visible)", path, Suite.VISIBLE, _expect_full))
    return jobs, checks


def run_job(job: GradingJob, sandbox: SandboxChoice, repeat: int = 1) -> list[Check]:
    """Grade `repeat` times: judge the first result, then compare every per-test outcome."""
    results: list[GradeResult] = []
    started = time.monotonic()
    for _ in range(repeat):
        try:
            results.append(grade(job.submission, job.challenge, sandbox=sandbox, suite=job.suite, shrink=False))
        except GraderError as exc:
            return [Check(job.challenge.slug, job.name, False, str(exc), time.monotonic() - started)]
    ok, detail = job.judge(results[0])
    checks = [Check(job.challenge.slug, job.name, ok, detail, time.monotonic() - started)]
    if repeat > 1:
        checks.append(flakiness_check(job, results))
    if job.name == REFERENCE_JOB and job.suite is Suite.HIDDEN:
        checks.append(description_check(job.challenge, results[0]))
    if job.name == REFERENCE_JOB and repeat > 1:
        checks.append(timing_margin_check(job.challenge, results))
    return checks


def slowest(checks: Iterable[Check], count: int = 5) -> list[Check]:
    """The checks whose gradings took longest, longest first (where a bank's verify time goes)."""
    timed = [c for c in checks if c.seconds is not None]
    return sorted(timed, key=lambda c: -(c.seconds or 0.0))[:count]


def description_check(challenge: Challenge, result: GradeResult) -> Check:
    """Every hidden test carries its public description for candidates (its docstring's first line,
    or its state machine's), read from the grading itself."""
    missing = sorted({test.id.split("[")[0] for test in result.tests if not test.description})
    detail = f"{len(result.tests)} tests described" if not missing else "no description: " + _names(missing)
    return Check(challenge.slug, "hidden tests described", bool(result.tests) and not missing, detail)


def flakiness_check(job: GradingJob, results: list[GradeResult]) -> Check:
    first = {t.id: t.outcome for t in results[0].tests}
    flaky = sorted(
        {t.id for result in results[1:] for t in result.tests if first.get(t.id) is not t.outcome}
        | {test_id for result in results[1:] for test_id in first.keys() - {t.id for t in result.tests}}
    )
    detail = f"{len(results)} runs, identical outcomes" if not flaky else "flaky: " + ", ".join(flaky)
    return Check(job.challenge.slug, f"{job.name}: deterministic", not flaky, detail)


TIMING_MARGIN = 3.0


def timing_margin_check(challenge: Challenge, results: list[GradeResult]) -> Check:
    """Every performance test: the reference's slowest time is at most a third of its bound."""
    worst: dict[str, tuple[float, float]] = {}
    for result in results:
        for test in result.tests:
            if test.timing is not None:
                ratio = test.timing.elapsed_s / test.timing.bound_s
                if test.id not in worst or ratio > worst[test.id][0] / worst[test.id][1]:
                    worst[test.id] = (test.timing.elapsed_s, test.timing.bound_s)
    too_slow = [f"{test_id} took {e:.2f} s of {b:g} s" for test_id, (e, b) in worst.items() if e * TIMING_MARGIN > b]
    detail = f"{len(worst)} performance test(s) within a third of their bound"
    if too_slow:
        detail = "reference too close to the bound: " + "; ".join(too_slow)
    return Check(challenge.slug, "timing margins", not too_slow, detail)


KILL_RATE_GATE = 90.0


def mutation_check(challenge: Challenge, sandbox: SandboxChoice, cap: int, jobs: int) -> Check:
    from grader.bank.mutation_run import run_mutation_testing, survivor_text

    try:
        report = run_mutation_testing(challenge, sandbox=sandbox, cap=cap, jobs=jobs)
    except GraderError as exc:
        return Check(challenge.slug, "mutants", False, str(exc))
    counted = report.counted
    detail = (
        f"kill rate {report.kill_rate:g}% ({len(counted) - len(report.survivors)}/{len(counted)} killed, "
        f"{len(report.outcomes)} of {report.generated} mutants run, gate {KILL_RATE_GATE:g}%)"
    )
    if report.survivors:
        detail += "\n" + survivor_text(report, challenge.reference_dir / f"{challenge.entry}.py")
    return Check(challenge.slug, "mutants", report.kill_rate >= KILL_RATE_GATE, detail)


def verify(
    roots: Iterable[Path],
    *,
    sandbox: SandboxChoice,
    jobs: int = 2,
    basic: bool = True,
    wrong: bool = True,
    mutants: bool = False,
    mutant_cap: int = 40,
    repeat: int = 1,
    require_generated: bool = False,
    progress: VerifyProgress | None = None,
) -> list[Check]:
    """Run every check on every challenge folder; never stops at the first failure.

    `progress` hears how many gradings are planned, each grading as it starts, and each check as
    it is known (gradings in the order they finish)."""
    listener = progress or VerifyProgress()
    checks: list[Check] = []
    grading_jobs: list[GradingJob] = []
    loaded: list[Challenge] = []
    for root in roots:
        try:
            challenge = load_challenge(root)
        except GraderError as exc:
            checks.append(Check(root.name, "challenge.toml", False, str(exc)))
            continue
        loaded.append(challenge)
        checks.append(Check(challenge.slug, "challenge.toml", True, "valid"))
        checks += static_checks(challenge)
        planned, static = plan(challenge, basic=basic, wrong=wrong, require_generated=require_generated)
        grading_jobs += planned
        checks += static
    listener.planned(len(grading_jobs) + (len(loaded) if mutants else 0))

    def started(job: GradingJob) -> list[Check]:
        listener.started(f"{job.challenge.slug}: {job.name}")
        try:
            return run_job(job, sandbox, repeat)
        finally:
            listener.ended(f"{job.challenge.slug}: {job.name}")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for future in as_completed([pool.submit(started, job) for job in grading_jobs]):
            for check in future.result():
                checks.append(check)
                listener.finished(check)
            listener.advance()
    if mutants:
        for challenge in loaded:
            listener.started(f"{challenge.slug}: mutants")
            began = time.monotonic()
            check = dataclasses.replace(
                mutation_check(challenge, sandbox, mutant_cap, jobs), seconds=time.monotonic() - began
            )
            listener.ended(f"{challenge.slug}: mutants")
            checks.append(check)
            listener.finished(check)
            listener.advance()
    return sorted(checks, key=lambda c: (c.challenge, c.name))


class VerifyProgress:
    """What `verify` tells as it goes; this one ignores it (the CLI draws it, see grader.terminal)."""

    def planned(self, gradings: int) -> None:
        """How many gradings (and mutation runs) are to come."""

    def started(self, label: str) -> None:
        """A grading began ("lru-cache: wrong/no_eviction.py")."""

    def ended(self, label: str) -> None:
        """That grading is over."""

    def finished(self, check: Check) -> None:
        """A check is known."""

    def advance(self) -> None:
        """One more grading is done."""
