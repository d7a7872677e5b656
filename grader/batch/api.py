"""What the batch CLI and the tests call: run a batch, rebuild its report, build feedback, pack a hand-out."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from grader import __version__
from grader.api import SandboxChoice, now_iso, resolve_sandbox
from grader.batch.assessment import Assessment, pack_assessment, parse_assessment
from grader.batch.cohort import COHORT_SCHEMA_VERSION, CellStatus, Cohort, Provenance, compute_cohort
from grader.batch.intake import Candidate, intake
from grader.batch.progress import Progress
from grader.batch.redflags import RedFlag, scan_files
from grader.batch.render import (
    Export,
    Feedback,
    FeedbackChallenge,
    HandoutChallenge,
    render_handout_readme,
    write_cohort,
)
from grader.batch.runner import (
    LOCAL_IMAGE_KEY,
    Plan,
    RemoteGrading,
    TaskOutcome,
    TaskReport,
    execute,
    plan_tasks,
    run_id_prefix,
)
from grader.batch.similarity import SimilarPair, compare_all, python_sources
from grader.batch.store import load_matching, load_stored, locked, remove_temp_files, result_path
from grader.challenges import Challenge
from grader.errors import ExitCode, InputError
from grader.models import Audience, GradeResult, Outcome, Suite
from grader.report import ReportView
from grader.submission import IntakeLimits


@dataclass(frozen=True, slots=True)
class BatchOptions:
    jobs: int = 1
    sandbox: SandboxChoice = field(default_factory=SandboxChoice)
    force: bool = False
    visible: bool = False
    exports: tuple[Export, ...] = ()
    limits: IntakeLimits = field(default_factory=IntakeLimits)
    remote: RemoteGrading | None = None
    """Grade elsewhere (grader.cluster's coordinator) instead of in this machine's sandbox."""


@dataclass(frozen=True, slots=True)
class SandboxInfo:
    choice: SandboxChoice
    image_key: str
    image_digest: str
    leftovers_removed: int = 0


@dataclass(frozen=True, slots=True)
class BatchResult:
    cohort: Cohort
    reports: tuple[TaskReport, ...]
    elapsed_s: float
    written: tuple[Path, ...]
    leftovers_removed: int = 0

    def count(self, outcome: TaskOutcome) -> int:
        return sum(1 for r in self.reports if r.outcome is outcome)

    @property
    def exit_code(self) -> int:
        """0 when every grading is done (whatever the scores); 3 when some could not run."""
        return ExitCode.INFRASTRUCTURE if self.count(TaskOutcome.FAILED) else ExitCode.GRADED


def prepare_sandbox(choice: SandboxChoice, out_dir: Path) -> SandboxInfo:
    """Check the sandbox (exit 3 early if it cannot run) and, with Docker, clear this OUT's dead containers."""
    resolved = resolve_sandbox(choice)
    if resolved.backend != "docker":
        return SandboxInfo(resolved, LOCAL_IMAGE_KEY, LOCAL_IMAGE_KEY)
    from grader.sandbox.docker import cleanup
    from grader.sandbox.image import image_info

    info = image_info(resolved.image)
    # Containers of earlier batches into this OUT are dead (we hold OUT's lock); a concurrent
    # `grader grade` or another batch's live workers are not touched.
    removed = cleanup(run_prefix=run_id_prefix(out_dir))
    return SandboxInfo(resolved, info.digest, info.digest, removed)


def run_batch(
    assessment: Assessment,
    challenges: Sequence[Challenge],
    submissions: Path,
    out_dir: Path,
    options: BatchOptions,
    *,
    progress: Console | None = None,
) -> BatchResult:
    """Grade every candidate of SUBMISSIONS against the assessment and write the cohort report.

    Resumable: results already in OUT whose key matches are reused (all regraded with
    `force`). Intake errors and failing submissions are rows of the report; only an unusable
    sandbox raises (SandboxError, before anything is graded).
    """
    started = time.monotonic()
    if out_dir.resolve().is_relative_to(submissions.resolve()):
        raise InputError(f"{out_dir}: --out must not be inside SUBMISSIONS (it would be read as a candidate)")
    candidates = intake(submissions, assessment.slugs, {c.slug: c.module_rules() for c in challenges}, options.limits)
    with locked(out_dir):
        remove_temp_files(out_dir)
        if options.remote is None:
            sandbox = prepare_sandbox(options.sandbox, out_dir)
        else:
            # The hosts' sandbox, named by its content-addressed tag: no engine needed here.
            sandbox = SandboxInfo(options.sandbox, options.remote.image_key, options.remote.image_key)
        suites = (Suite.HIDDEN, Suite.VISIBLE) if options.visible else (Suite.HIDDEN,)
        plan = plan_tasks(candidates, challenges, out_dir, sandbox.image_key, force=options.force, suites=suites)
        meter = Progress(progress, len(candidates), plan.tasks_per_candidate())
        for report in plan.reused:
            meter.done(report)
        try:
            if options.remote is None:
                graded = execute(
                    plan.todo,
                    sandbox.choice,
                    out_dir,
                    jobs=options.jobs,
                    run_prefix=run_id_prefix(out_dir),
                    on_done=meter.done,
                    on_tick=meter.draw,
                    on_start=meter.start,
                )
            else:
                graded = options.remote.execute(
                    plan.todo, out_dir, force=options.force, on_done=meter.done, on_tick=meter.draw
                )
        finally:
            meter.close()
        reports = (*plan.reused, *graded)
        cohort = build_cohort(assessment, challenges, candidates, out_dir, plan, reports, sandbox)
        written = write_cohort(cohort, out_dir, options.exports)
    return BatchResult(cohort, reports, time.monotonic() - started, tuple(written), sandbox.leftovers_removed)


def build_cohort(
    assessment: Assessment,
    challenges: Sequence[Challenge],
    candidates: Sequence[Candidate],
    out_dir: Path,
    plan: Plan,
    reports: Sequence[TaskReport],
    sandbox: SandboxInfo,
) -> Cohort:
    """The cohort from intake and the results stored under the keys this run planned."""
    results: dict[tuple[str, str], GradeResult] = {}
    for key_id, key in plan.keys.items():
        candidate, slug, suite = key_id
        if suite is not Suite.HIDDEN:
            continue
        stored = load_matching(out_dir, candidate, slug, key)
        if stored is not None:
            results[(candidate, slug)] = stored.result
    failures = {(r.candidate, r.challenge): r.error or "" for r in reports if r.outcome is TaskOutcome.FAILED}
    provenance = Provenance(
        grader_version=__version__,
        sandbox=sandbox.choice.backend,
        image=sandbox.choice.image or "",
        image_digest=sandbox.image_digest,
        challenge_digests=tuple((c.slug, c.digest()) for c in challenges),
        generated_at=now_iso(),
    )
    notes = []
    if sandbox.leftovers_removed:
        notes.append(f"{sandbox.leftovers_removed} container(s) left by an earlier, killed run were removed.")
    return compute_cohort(
        assessment,
        {c.slug: c.title for c in challenges},
        candidates,
        results,
        failures,
        provenance,
        flags=compute_red_flags(candidates),
        similar=compute_similarity(challenges, candidates),
        notes=notes,
    )


def compute_red_flags(candidates: Sequence[Candidate]) -> dict[tuple[str, str], list[RedFlag]]:
    flags: dict[tuple[str, str], list[RedFlag]] = {}
    for candidate in candidates:
        for slug, files in candidate.submissions.items():
            found = scan_files(python_sources(files))
            if found:
                flags[(candidate.id, slug)] = found
    return flags


def compute_similarity(challenges: Sequence[Challenge], candidates: Sequence[Candidate]) -> list[SimilarPair]:
    pairs: list[SimilarPair] = []
    for challenge in challenges:
        stub = {
            path.relative_to(challenge.stub_dir).as_posix(): path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(challenge.stub_dir.rglob("*.py"))
        }
        submissions = {
            c.id: python_sources(c.submissions[challenge.slug])
            for c in candidates
            if c.ok and challenge.slug in c.submissions
        }
        pairs += compare_all(challenge.slug, submissions, stub)
    return pairs


# ------------------------------------------------------------------ feedback


def load_cohort_data(out_dir: Path) -> dict[str, Any]:
    path = out_dir / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found (run `grader batch` first)") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("schema_version") != COHORT_SCHEMA_VERSION:
        raise InputError(f"{path}: not a cohort results.json of schema_version {COHORT_SCHEMA_VERSION}")
    return data


def find_candidate(data: Mapping[str, Any], who: str) -> Mapping[str, Any]:
    """A candidate of results.json by id, else by name."""
    rows: list[Mapping[str, Any]] = list(data.get("candidates", []))
    for field_name in ("id", "name"):
        matches = [row for row in rows if row.get(field_name) == who]
        if len(matches) == 1:
            return matches[0]
    known = ", ".join(str(row.get("id")) for row in rows[:20]) + (", ..." if len(rows) > 20 else "")
    raise InputError(f"unknown candidate {who!r} (known: {known or 'none'})")


def load_feedback(out_dir: Path, who: str, audience: Audience | None = None) -> Feedback:
    """One candidate's feedback from a batch's OUT folder.

    For the candidate audience hidden tests appear as counts and, when the assessment allows it,
    each one's public description with passed or not; the visible suite's tests
    (graded with `grader batch --visible`) are shown in full. Reviewers see every hidden test.
    """
    data = load_cohort_data(out_dir)
    row = find_candidate(data, who)
    assessment = data["assessment"]
    chosen = audience or Audience(assessment.get("feedback_audience", Audience.CANDIDATE.value))
    hidden_feedback = parse_assessment(assessment, out_dir / "results.json").hidden_feedback_on(datetime.date.today())
    titles = {c["slug"]: c.get("title", c["slug"]) for c in data.get("challenges", [])}
    challenges = []
    for entry in assessment["challenges"]:
        slug = entry["slug"]
        cell = row["challenges"][slug]
        hidden = _stored(out_dir, row["id"], slug, Suite.HIDDEN, cell.get("submission_sha256"))
        visible = _stored(out_dir, row["id"], slug, Suite.VISIBLE, cell.get("submission_sha256"))
        counts: tuple[tuple[str, int], ...] = ()
        if hidden is not None:
            counts = tuple((o.value, hidden.count(o)) for o in Outcome if hidden.count(o))
        if chosen is Audience.REVIEWER and hidden is not None:
            tests, label = hidden.tests, "Hidden test"
        elif visible is not None:
            tests, label = visible.tests, "Example test"
        else:
            tests, label = (), "Test"
        challenges.append(
            FeedbackChallenge(
                slug=slug,
                title=titles.get(slug, slug),
                status=cell["status"],
                points=float(cell["points"]),
                max_points=float(cell["max_points"]),
                note=str(cell.get("note", ""))
                if chosen is Audience.REVIEWER
                else _candidate_note(cell["status"], str(cell.get("note", ""))),
                counts=counts,
                tests=tuple(tests),
                tests_label=label,
                hidden_tests=() if hidden is None else ReportView(hidden, chosen, hidden_feedback).public_tests,
            )
        )
    return Feedback(
        title=assessment.get("title") or assessment["name"],
        candidate=row["name"],
        audience=chosen.value,
        total=float(row["total"]),
        max_total=float(row["max_total"]),
        intake_error=row.get("intake_error"),
        challenges=tuple(challenges),
    )


def _candidate_note(status: str, note: str) -> str:
    # Infrastructure detail is for the hiring team; a candidate learns only that it is pending. Why
    # intake refused their files (a reserved name, no entry module) is about their own files: said.
    if status == CellStatus.FAILED:
        return "pending: this challenge will be graded again"
    return note if status == CellStatus.INTAKE_ERROR else ""


def _stored(out_dir: Path, candidate: str, slug: str, suite: Suite, digest: object) -> GradeResult | None:
    stored = load_stored(result_path(out_dir, candidate, slug, suite))
    if stored is None or stored.result.submission_sha256 != digest:
        return None  # a result of an older submission is not this candidate's feedback
    return stored.result


# ------------------------------------------------------------------ hand-out


def pack(assessment: Assessment, challenges: Sequence[Challenge], dest: Path) -> list[Path]:
    """The candidate hand-out for `assessment` in `dest` (see pack_assessment)."""
    readme = render_handout_readme(
        assessment.name,
        assessment.title,
        [
            HandoutChallenge(
                c.slug,
                c.title,
                assessment.points(c.slug),
                c.entry,
                c.limits.call_seconds,
                c.limits.suite_seconds,
                c.limits.memory_mb,
            )
            for c in challenges
        ],
    )
    return pack_assessment(assessment, challenges, dest, readme)
