"""The cohort model: leaderboard, per-challenge statistics, distribution and provenance (pure).

Points: a challenge's grade percent times its points in the assessment. Statistics and the
distribution are over candidates whose entry was accepted (a challenge they did not submit
counts as 0); intake errors are listed apart, unranked.
"""

from __future__ import annotations

import enum
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader.batch.assessment import Assessment
from grader.batch.intake import Candidate
from grader.batch.redflags import RedFlag
from grader.batch.similarity import SimilarPair
from grader.models import GradeResult, GradeStatus, Outcome

COHORT_SCHEMA_VERSION = 1
HISTOGRAM_BINS = 10


class CellStatus(enum.StrEnum):
    GRADED = "graded"
    GRADING_ERROR = "grading error"  # graded, but the suite itself could not run: see the result
    NOT_SUBMITTED = "not submitted"
    FAILED = "grading failed"  # infrastructure: nothing stored, the next run retries
    INTAKE_ERROR = "intake error"


@dataclass(frozen=True, slots=True)
class Cell:
    challenge: str
    status: CellStatus
    points: float
    max_points: float
    percent: float = 0.0
    result: GradeResult | None = None
    note: str = ""

    @property
    def limits_hit(self) -> tuple[str, ...]:
        if self.result is None:
            return ()
        hit = [t.id for t in self.result.tests if t.outcome in (Outcome.TIMEOUT, Outcome.MEMORY)]
        return tuple(hit)


@dataclass(frozen=True, slots=True)
class Row:
    candidate: Candidate
    cells: tuple[Cell, ...]
    total: float
    max_total: float
    rank: int | None
    flags: tuple[tuple[str, RedFlag], ...] = ()

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0

    @property
    def tampered_tests(self) -> tuple[str, ...]:
        """Tests the worker reported tampering in (each already scored nothing), as challenge: test."""
        return tuple(
            f"{cell.challenge}: {test.id}"
            for cell in self.cells
            if cell.result is not None
            for test in cell.result.tests
            if test.outcome is Outcome.TAMPERED
        )

    @property
    def tampering_suspected(self) -> bool:
        """A red flag of tampering with the grader's machinery in the worker (a lead for a reviewer),
        or a test the worker reported tampering in."""
        return any(flag.tampering for _slug, flag in self.flags) or bool(self.tampered_tests)

    def cell(self, slug: str) -> Cell:
        return next(c for c in self.cells if c.challenge == slug)


@dataclass(frozen=True, slots=True)
class TestStat:
    __test__ = False

    id: str
    weight: float
    passed: int
    total: int

    @property
    def share(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ChallengeStats:
    slug: str
    title: str
    points: float
    candidates: int
    submitted: int
    graded: int
    mean: float
    median: float
    full_share: float
    tests: tuple[TestStat, ...]


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    count: int


@dataclass(frozen=True, slots=True)
class Provenance:
    grader_version: str
    sandbox: str
    image: str
    image_digest: str
    challenge_digests: tuple[tuple[str, str], ...]
    generated_at: str


@dataclass(frozen=True, slots=True)
class Cohort:
    assessment: Assessment
    titles: Mapping[str, str]
    rows: tuple[Row, ...]
    stats: tuple[ChallengeStats, ...]
    histogram: tuple[Bin, ...]
    provenance: Provenance
    similar: tuple[SimilarPair, ...] = ()
    failures: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ranked(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.candidate.ok)

    @property
    def intake_errors(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.candidate.ok)

    @property
    def refused_challenges(self) -> tuple[tuple[Row, str, str], ...]:
        """(row, slug, reason) for each challenge of an accepted entry that intake refused."""
        return tuple((r, slug, why) for r in self.rows for slug, why in sorted(r.candidate.refused.items()))

    def row(self, candidate_id: str) -> Row:
        return next(r for r in self.rows if r.candidate.id == candidate_id)


def compute_cell(
    slug: str,
    points: float,
    candidate: Candidate,
    result: GradeResult | None,
    failure: str | None,
) -> Cell:
    if not candidate.ok:
        return Cell(slug, CellStatus.INTAKE_ERROR, 0.0, points, note=candidate.error or "")
    if slug in candidate.refused:
        return Cell(slug, CellStatus.INTAKE_ERROR, 0.0, points, note=candidate.refused[slug])
    if slug not in candidate.submissions:
        return Cell(slug, CellStatus.NOT_SUBMITTED, 0.0, points)
    if result is None:
        return Cell(slug, CellStatus.FAILED, 0.0, points, note=failure or "not graded (interrupted run?)")
    status = CellStatus.GRADED if result.status is GradeStatus.GRADED else CellStatus.GRADING_ERROR
    earned = points * result.score / result.max_score if result.max_score else 0.0
    return Cell(slug, status, earned, points, result.percent, result, result.error or "")


def rank_competition(totals: Sequence[float]) -> list[int]:
    """1224 ranking (ties share the better rank) of totals, in their given order."""
    return [1 + sum(1 for other in totals if other > total + 1e-9) for total in totals]


def compute_histogram(percents: Sequence[float], bins: int = HISTOGRAM_BINS) -> tuple[Bin, ...]:
    width = 100.0 / bins
    counts = [0] * bins
    for value in percents:
        counts[min(bins - 1, max(0, int(value // width)))] += 1
    return tuple(Bin(i * width, (i + 1) * width, count) for i, count in enumerate(counts))


def compute_stats(
    assessment: Assessment,
    titles: Mapping[str, str],
    rows: Sequence[Row],
) -> tuple[ChallengeStats, ...]:
    accepted = [r for r in rows if r.candidate.ok]
    stats = []
    for entry in assessment.challenges:
        cells = [r.cell(entry.slug) for r in accepted]
        points = [c.points for c in cells]
        results = [c.result for c in cells if c.result is not None]
        tests: dict[str, list[int]] = {}
        weights: dict[str, float] = {}
        for result in results:
            if result.status is not GradeStatus.GRADED:
                continue
            for test in result.tests:
                counter = tests.setdefault(test.id, [0, 0])
                counter[0] += test.outcome is Outcome.PASSED
                counter[1] += 1
                weights[test.id] = test.weight
        stats.append(
            ChallengeStats(
                slug=entry.slug,
                title=titles.get(entry.slug, entry.slug),
                points=entry.points,
                candidates=len(accepted),
                submitted=sum(1 for c in cells if c.status is not CellStatus.NOT_SUBMITTED),
                graded=len(results),
                mean=statistics.fmean(points) if points else 0.0,
                median=statistics.median(points) if points else 0.0,
                full_share=(sum(1 for c in cells if c.result is not None and c.result.full_marks) / len(cells))
                if cells
                else 0.0,
                tests=tuple(TestStat(tid, weights[tid], p, t) for tid, (p, t) in sorted(tests.items())),
            )
        )
    return tuple(stats)


def compute_cohort(
    assessment: Assessment,
    titles: Mapping[str, str],
    candidates: Sequence[Candidate],
    results: Mapping[tuple[str, str], GradeResult],
    failures: Mapping[tuple[str, str], str],
    provenance: Provenance,
    *,
    flags: Mapping[tuple[str, str], Sequence[RedFlag]] | None = None,
    similar: Sequence[SimilarPair] = (),
    notes: Sequence[str] = (),
) -> Cohort:
    """The whole cohort from intake, stored results and this run's failures."""
    flags = flags or {}
    drafts = []
    for candidate in candidates:
        cells = tuple(
            compute_cell(
                entry.slug,
                entry.points,
                candidate,
                results.get((candidate.id, entry.slug)),
                failures.get((candidate.id, entry.slug)),
            )
            for entry in assessment.challenges
        )
        candidate_flags = tuple(
            (entry.slug, flag) for entry in assessment.challenges for flag in flags.get((candidate.id, entry.slug), ())
        )
        drafts.append((candidate, cells, sum(c.points for c in cells), candidate_flags))
    accepted = [d for d in drafts if d[0].ok]
    ranks = dict(zip((d[0].id for d in accepted), rank_competition([d[2] for d in accepted]), strict=True))
    rows = [
        Row(candidate, cells, total, assessment.max_points, ranks.get(candidate.id), candidate_flags)
        for candidate, cells, total, candidate_flags in drafts
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.candidate.name.lower(), r.candidate.id))
    percents = [r.percent for r in rows if r.candidate.ok]
    return Cohort(
        assessment=assessment,
        titles=dict(titles),
        rows=tuple(rows),
        stats=compute_stats(assessment, titles, rows),
        histogram=compute_histogram(percents),
        provenance=provenance,
        similar=tuple(similar),
        failures=sum(1 for r in rows for c in r.cells if c.status is CellStatus.FAILED),
        notes=tuple(notes),
    )


# ------------------------------------------------------------------ JSON edge


def cohort_to_dict(cohort: Cohort) -> dict[str, Any]:
    """results.json: everything but the per-test detail (that is in results/<candidate>/)."""
    return {
        "schema_version": COHORT_SCHEMA_VERSION,
        "assessment": cohort.assessment.to_dict(),
        "provenance": {
            "grader_version": cohort.provenance.grader_version,
            "sandbox": cohort.provenance.sandbox,
            "image": cohort.provenance.image,
            "image_digest": cohort.provenance.image_digest,
            "challenge_digests": dict(cohort.provenance.challenge_digests),
            "generated_at": cohort.provenance.generated_at,
        },
        "candidates": [_row_to_dict(row) for row in cohort.rows],
        "challenges": [
            {
                "slug": s.slug,
                "title": s.title,
                "points": s.points,
                "candidates": s.candidates,
                "submitted": s.submitted,
                "graded": s.graded,
                "mean": round(s.mean, 4),
                "median": round(s.median, 4),
                "full_share": round(s.full_share, 4),
                "tests": [
                    {"id": t.id, "weight": t.weight, "passed": t.passed, "total": t.total, "share": round(t.share, 4)}
                    for t in s.tests
                ],
            }
            for s in cohort.stats
        ],
        "histogram": [{"low": b.low, "high": b.high, "count": b.count} for b in cohort.histogram],
        "similarity": [
            {
                "challenge": p.challenge,
                "a": p.a,
                "b": p.b,
                "score": round(p.score, 4),
                "shared_fingerprints": p.shared,
                "regions": [
                    {"a": [r.file_a, r.first_a, r.last_a], "b": [r.file_b, r.first_b, r.last_b]} for r in p.regions
                ],
            }
            for p in cohort.similar
        ],
        "notes": list(cohort.notes),
    }


def _row_to_dict(row: Row) -> dict[str, Any]:
    candidate = row.candidate
    return {
        "id": candidate.id,
        "name": candidate.name,
        "source": candidate.source,
        "status": "accepted" if candidate.ok else "intake error",
        "intake_error": candidate.error,
        "ignored_files": list(candidate.ignored),
        "refused_challenges": dict(candidate.refused),
        "rank": row.rank,
        "total": round(row.total, 4),
        "max_total": row.max_total,
        "challenges": {
            cell.challenge: {
                "status": cell.status.value,
                "points": round(cell.points, 4),
                "max_points": cell.max_points,
                "percent": cell.percent,
                "note": cell.note,
                "submission_sha256": cell.result.submission_sha256 if cell.result else None,
            }
            for cell in row.cells
        },
        "red_flags": [
            {"challenge": slug, "file": f.file, "line": f.line, "kind": f.kind.value, "detail": f.detail}
            for slug, f in row.flags
        ],
        "tampering_suspected": row.tampering_suspected,
    }
