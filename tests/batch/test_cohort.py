"""The cohort model (pure): points, ranks, statistics, histogram."""

from __future__ import annotations

import pytest

from grader.batch.assessment import Assessment, AssessmentChallenge
from grader.batch.cohort import (
    CellStatus,
    Provenance,
    cohort_to_dict,
    compute_cohort,
    compute_histogram,
    rank_competition,
)
from grader.batch.intake import Candidate
from grader.batch.redflags import FlagKind, RedFlag
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult

ASSESSMENT = Assessment("x", (AssessmentChallenge("a", 60), AssessmentChallenge("b", 40)))
PROVENANCE = Provenance("0", "local", "", "local", (("a", "d1"), ("b", "d2")), "now")


def graded(challenge: str, passed: int, total: int = 4) -> GradeResult:
    tests = tuple(TestResult(f"t::{i}", Outcome.PASSED if i < passed else Outcome.FAILED) for i in range(total))
    return GradeResult(
        challenge=challenge, suite=Suite.HIDDEN, submission_sha256="s", status=GradeStatus.GRADED,
        score=passed, max_score=total, percent=100 * passed / total, tests=tests, sandbox={},
        grader_version="0", started_at="", finished_at="",
    )  # fmt: skip


def candidate(name: str, *slugs: str, error: str | None = None) -> Candidate:
    return Candidate(name, name, name, {s: {"solution.py": b""} for s in slugs}, error)


def test_points_ranks_and_statuses() -> None:
    candidates = [
        candidate("ann", "a", "b"),
        candidate("ben", "a", "b"),
        candidate("cat", "a"),
        candidate("dan", "a", "b"),
        candidate("eve", error="bad archive"),
    ]
    results = {
        ("ann", "a"): graded("a", 4), ("ann", "b"): graded("b", 1),
        ("ben", "a"): graded("a", 3), ("ben", "b"): graded("b", 4),
        ("cat", "a"): graded("a", 4),
        ("dan", "a"): graded("a", 1),
    }  # fmt: skip
    cohort = compute_cohort(
        ASSESSMENT, {"a": "A", "b": "B"}, candidates, results, {("dan", "b"): "harness died"}, PROVENANCE
    )
    table = {r.candidate.id: (r.rank, r.total, [c.status for c in r.cells]) for r in cohort.rows}
    assert table["ben"] == (1, 85.0, [CellStatus.GRADED, CellStatus.GRADED])
    assert table["ann"] == (2, 70.0, [CellStatus.GRADED, CellStatus.GRADED])
    assert table["cat"] == (3, 60.0, [CellStatus.GRADED, CellStatus.NOT_SUBMITTED])
    assert table["dan"] == (4, 15.0, [CellStatus.GRADED, CellStatus.FAILED])
    assert table["eve"] == (None, 0.0, [CellStatus.INTAKE_ERROR, CellStatus.INTAKE_ERROR])
    assert [r.candidate.id for r in cohort.rows] == ["ben", "ann", "cat", "dan", "eve"]
    assert cohort.failures == 1
    assert cohort.row("dan").cell("b").note == "harness died"

    a, b = cohort.stats
    assert (a.candidates, a.submitted, a.graded) == (4, 4, 4)
    assert a.mean == pytest.approx((60 + 45 + 60 + 15) / 4)
    assert a.full_share == 0.5
    assert [(t.id, t.passed, t.total) for t in a.tests] == [
        ("t::0", 4, 4),
        ("t::1", 3, 4),
        ("t::2", 3, 4),
        ("t::3", 2, 4),
    ]
    assert (b.submitted, b.graded, b.median) == (3, 2, 5.0)
    assert sum(bin_.count for bin_ in cohort.histogram) == 4


def test_ties_share_the_better_rank() -> None:
    assert rank_competition([10, 20, 20, 5, 10]) == [3, 1, 1, 5, 3]


def test_histogram_edges() -> None:
    bins = compute_histogram([0, 9.99, 10, 99.9, 100])
    assert [b.count for b in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]


def test_a_tampering_flag_marks_the_row_and_changes_no_score() -> None:
    candidates = [candidate("ann", "a", "b"), candidate("ben", "a"), candidate("cat", "a")]
    results = {
        ("ann", "a"): graded("a", 4), ("ann", "b"): graded("b", 2),
        ("ben", "a"): graded("a", 3),
        ("cat", "a"): graded("a", 1),
    }  # fmt: skip
    flags = {
        ("ann", "b"): [RedFlag("solution.py", 3, FlagKind.MONKEYPATCH, "assigns time.monotonic")],
        ("ben", "a"): [RedFlag("solution.py", 9, FlagKind.THREADS, "uses threading.Lock")],
    }
    flagged = compute_cohort(ASSESSMENT, {"a": "A", "b": "B"}, candidates, results, {}, PROVENANCE, flags=flags)
    plain = compute_cohort(ASSESSMENT, {"a": "A", "b": "B"}, candidates, results, {}, PROVENANCE)
    assert {r.candidate.id: r.tampering_suspected for r in flagged.rows} == {"ann": True, "ben": False, "cat": False}
    assert not any(r.tampering_suspected for r in plain.rows)
    assert [(r.candidate.id, r.rank, r.total) for r in flagged.rows] == [
        (r.candidate.id, r.rank, r.total) for r in plain.rows
    ]
    rows = {row["id"]: row for row in cohort_to_dict(flagged)["candidates"]}
    assert {name: row["tampering_suspected"] for name, row in rows.items()} == {"ann": True, "ben": False, "cat": False}
    assert rows["ann"]["red_flags"] == [
        {"challenge": "b", "file": "solution.py", "line": 3, "kind": "monkeypatches a module",
         "detail": "assigns time.monotonic"}
    ]  # fmt: skip


def test_a_candidate_is_told_why_intake_refused_a_challenge_but_not_infrastructure_detail() -> None:
    from grader.batch.api import _candidate_note

    reason = "json.py: the module name 'json' is reserved (a standard-library module); rename it"
    assert _candidate_note("intake error", reason) == reason
    assert _candidate_note("grading failed", "harness for x failed (exit 1): Traceback...") == (
        "pending: this challenge will be graded again"
    )
    assert _candidate_note("graded", "the suite failed to load: SECRET") == ""
