"""`grader verify`: the bank's own quality gate.

Every reference scores 100%, every stub 0%, the visible tests pass on the
reference, every known-wrong submission stays under its declared bound and
every alternative correct solution scores 100%.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from grader.api import SandboxChoice, grade
from grader.challenges import Challenge, load_challenge
from grader.errors import GraderError
from grader.models import GradeResult, GradeStatus, Outcome, Suite

MAX_PERCENT = re.compile(r"^#\s*max-percent:\s*(\d+(?:\.\d+)?)\s*$", re.MULTILINE)
WRONG_NOTE = re.compile(r"^#\s*wrong:\s*(\S.*)$", re.MULTILINE)
MIN_WRONG = 5
MIN_ALTERNATIVES = 2


@dataclass(frozen=True, slots=True)
class Check:
    challenge: str
    name: str
    ok: bool
    detail: str


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


def _expect_at_most(bound: float) -> Callable[[GradeResult], tuple[bool, str]]:
    def judge(result: GradeResult) -> tuple[bool, str]:
        ok = result.status is GradeStatus.GRADED and result.percent <= bound and result.percent < 100
        return ok, f"{_summary(result)} (bound {bound:g}%)"

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


def plan(challenge: Challenge, *, basic: bool, wrong: bool) -> tuple[list[GradingJob], list[Check]]:
    jobs: list[GradingJob] = []
    checks: list[Check] = []
    if basic:
        jobs += [
            GradingJob(
                challenge,
                "reference scores 100%",
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
        for path in wrong_files:
            try:
                _note, bound = parse_wrong_header(path)
            except GraderError as exc:
                checks.append(Check(challenge.slug, f"wrong/{path.name}", False, str(exc)))
                continue
            jobs.append(GradingJob(challenge, f"wrong/{path.name}", path, Suite.HIDDEN, _expect_at_most(bound)))
        for path in alternatives:
            jobs.append(GradingJob(challenge, f"alternatives/{path.name}", path, Suite.HIDDEN, _expect_full))
            # A self-check that fails a correct answer contradicts the prompt the candidate follows.
            jobs.append(GradingJob(challenge, f"alternatives/{path.name} (visible)", path, Suite.VISIBLE, _expect_full))
    return jobs, checks


def run_job(job: GradingJob, sandbox: SandboxChoice, repeat: int = 1) -> list[Check]:
    """Grade `repeat` times: judge the first result, then compare every per-test outcome."""
    results: list[GradeResult] = []
    for _ in range(repeat):
        try:
            results.append(grade(job.submission, job.challenge, sandbox=sandbox, suite=job.suite, shrink=False))
        except GraderError as exc:
            return [Check(job.challenge.slug, job.name, False, str(exc))]
    ok, detail = job.judge(results[0])
    checks = [Check(job.challenge.slug, job.name, ok, detail)]
    if repeat > 1:
        checks.append(flakiness_check(job, results))
    if job.name == "reference scores 100%" and repeat > 1:
        checks.append(timing_margin_check(job.challenge, results))
    return checks


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
    progress: Callable[[Check], None] | None = None,
) -> list[Check]:
    """Run every check on every challenge folder; never stops at the first failure."""
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
        planned, static = plan(challenge, basic=basic, wrong=wrong)
        grading_jobs += planned
        checks += static
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for job_checks in pool.map(lambda job: run_job(job, sandbox, repeat), grading_jobs):
            for check in job_checks:
                checks.append(check)
                if progress is not None:
                    progress(check)
    if mutants:
        for challenge in loaded:
            check = mutation_check(challenge, sandbox, mutant_cap, jobs)
            checks.append(check)
            if progress is not None:
                progress(check)
    return sorted(checks, key=lambda c: (c.challenge, c.name))
