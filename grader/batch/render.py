"""Render a cohort: self-contained HTML (Jinja2, autoescaped, StrictUndefined), CSV, JSON and exports.

Everything a candidate controls (names, file names, output, messages) is escaped by the
templates; CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import datetime
import enum
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.batch.cohort import Cell, CellStatus, Cohort, Row, cohort_to_dict
from grader.batch.redflags import RedFlag
from grader.batch.store import write_atomic
from grader.models import Outcome, TestResult
from grader.report import (
    PublicTest,
    ReportView,
    format_points,
    gradescope_results,
    gradescope_tests,
    source_listing,
    template_environment,
)

SVG_WIDTH = 640
SVG_HEIGHT = 220
# Past this many pairs (a cohort where many submit the same code) the index lists the rest compactly.
MAX_DETAILED_PAIRS = 40


class FeedbackFormat(enum.StrEnum):
    MD = "md"
    HTML = "html"


class Export(enum.StrEnum):
    GRADESCOPE = "gradescope"
    JUNIT = "junit"


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class FeedbackChallenge:
    slug: str
    title: str
    status: str
    points: float
    max_points: float
    note: str
    counts: tuple[tuple[str, int], ...]
    """Outcome counts of the hidden tests (empty when there is no result)."""
    tests: tuple[TestResult, ...]
    """Tests shown in detail: the visible suite's for candidates, the hidden suite's for reviewers."""
    tests_label: str
    hidden_tests: tuple[PublicTest, ...] = ()
    """For candidates the assessment allows it: each hidden test's public description, passed or not."""


@dataclass(frozen=True, slots=True)
class Feedback:
    title: str
    candidate: str
    audience: str
    total: float
    max_total: float
    intake_error: str | None
    challenges: tuple[FeedbackChallenge, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.total / self.max_total if self.max_total else 0.0


@dataclass(frozen=True, slots=True)
class HandoutChallenge:
    slug: str
    title: str
    points: float
    entry: str
    call_seconds: float
    suite_seconds: float
    memory_mb: int


def histogram_bars(cohort: Cohort, width: int = SVG_WIDTH, height: int = SVG_HEIGHT) -> tuple[Bar, ...]:
    """Bar geometry for the inline SVG (plot area leaves room for axis labels)."""
    bins = cohort.histogram
    top = max((b.count for b in bins), default=0) or 1
    plot_height = height - 40
    slot = (width - 40) / max(len(bins), 1)
    bars = []
    for index, item in enumerate(bins):
        bar_height = plot_height * item.count / top
        bars.append(
            Bar(
                x=30 + index * slot + 2,
                y=10 + plot_height - bar_height,
                width=slot - 4,
                height=bar_height,
                label=f"{item.low:g}-{item.high:g}%",
                count=item.count,
            )
        )
    return tuple(bars)


def histogram_ticks(cohort: Cohort, height: int = SVG_HEIGHT) -> tuple[tuple[float, int], ...]:
    """(y, count) of the y axis's labelled ticks, whole candidates only: 0, the top, and the middle."""
    top = max((b.count for b in cohort.histogram), default=0) or 1
    plot_height = height - 40
    counts = sorted({0, top // 2, top}) if top > 1 else [0, 1]
    return tuple((10 + plot_height - plot_height * count / top, count) for count in counts)


def cell_text(cell: Cell) -> str:
    if cell.status in (CellStatus.GRADED, CellStatus.GRADING_ERROR):
        return format_points(cell.points)
    return {
        CellStatus.NOT_SUBMITTED: "not submitted",
        CellStatus.FAILED: "grading failed",
        CellStatus.INTAKE_ERROR: "",
    }[cell.status]


def render_index(cohort: Cohort) -> str:
    env = template_environment()
    pairs_by_candidate: dict[str, list[int]] = {}
    for number, pair in enumerate(cohort.similar, start=1):
        pairs_by_candidate.setdefault(pair.a, []).append(number)
        pairs_by_candidate.setdefault(pair.b, []).append(number)
    return env.get_template("cohort/index.html.j2").render(
        cohort=cohort,
        names={row.candidate.id: row.candidate.name for row in cohort.rows},
        bars=histogram_bars(cohort),
        ticks=histogram_ticks(cohort),
        svg_width=SVG_WIDTH,
        svg_height=SVG_HEIGHT,
        cell_text=cell_text,
        pairs_by_candidate=pairs_by_candidate,
        detail_limit=MAX_DETAILED_PAIRS,
    )


def render_candidate(cohort: Cohort, row: Row) -> str:
    env = template_environment()
    pairs = [(n, p) for n, p in enumerate(cohort.similar, start=1) if row.candidate.id in (p.a, p.b)]
    flags_by_challenge: dict[str, list[RedFlag]] = {}
    for slug, flag in row.flags:
        flags_by_challenge.setdefault(slug, []).append(flag)
    flagged_lines = {(slug, flag.file, flag.line) for slug, flag in row.flags}
    return env.get_template("cohort/candidate.html.j2").render(
        flags_by_challenge=flags_by_challenge,
        code={slug: source_listing(files) for slug, files in row.candidate.submissions.items()},
        flagged_lines=flagged_lines,
        cohort=cohort,
        row=row,
        names={r.candidate.id: r.candidate.name for r in cohort.rows},
        pairs=pairs,
        cell_text=cell_text,
        outcomes=[o.value for o in Outcome],
    )


def render_feedback(view: Feedback, fmt: FeedbackFormat) -> str:
    """`grader feedback`: one candidate's report for the chosen audience."""
    return template_environment().get_template(f"cohort/feedback.{fmt.value}.j2").render(view=view)


def render_csv(cohort: Cohort) -> str:
    """One row per candidate: rank, candidate, status, one column per challenge (points), total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    slugs = cohort.assessment.slugs
    writer.writerow(["rank", "candidate", "id", "status", *slugs, "total", "max_total"])
    for row in cohort.rows:
        status = "accepted" if row.candidate.ok else "intake error"
        cells = [format_points(row.cell(s).points) if row.candidate.ok else "" for s in slugs]
        writer.writerow(
            [
                "" if row.rank is None else row.rank,
                defuse_csv(row.candidate.name),
                defuse_csv(row.candidate.id),
                status,
                *cells,
                format_points(row.total),
                format_points(row.max_total),
            ]
        )
    return buffer.getvalue()


def defuse_csv(text: str) -> str:
    """A spreadsheet runs cells starting with = + - @ (or a tab/CR) as formulas: quote them as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_junit(cohort: Cohort, row: Row) -> str:
    """One candidate's JUnit XML, every challenge a suite; for the candidate audience a hidden suite is
    its public descriptions with passed or not (or one case, when the assessment shows counts only)."""
    assessment = cohort.assessment
    hidden = assessment.hidden_feedback_on(datetime.date.today())
    public_tests = {
        cell.challenge: ()
        if cell.result is None
        else ReportView(cell.result, assessment.feedback_audience, hidden).public_tests
        for cell in row.cells
    }
    return (
        template_environment()
        .get_template("cohort/junit.xml.j2")
        .render(cohort=cohort, row=row, public_tests=public_tests)
    )


def render_gradescope(cohort: Cohort, row: Row) -> str:
    """Gradescope's autograder results.json for one candidate, every challenge in it.

    The assessment's `feedback_audience` decides what students can see (grader.report.gradescope_tests).
    """
    audience = cohort.assessment.feedback_audience
    hidden = cohort.assessment.hidden_feedback_on(datetime.date.today())
    tests: list[dict[str, Any]] = []
    seconds = 0.0
    for cell in row.cells:
        if cell.result is None:
            tests.append(
                {
                    "name": f"{cell.challenge}: {cell.status.value}", "score": 0.0, "max_score": cell.max_points,
                    "status": "failed", "output": cell.note, "output_format": "text", "tags": [cell.challenge],
                    "visibility": "visible",
                }
            )  # fmt: skip
            continue
        seconds += sum(t.duration_s for t in cell.result.tests)
        tests += gradescope_tests(cell.result, cell.challenge, cell.max_points, audience, hidden=hidden)
    return gradescope_results(tests, row.total, seconds, row.candidate.error or "")


def write_cohort(cohort: Cohort, out_dir: Path, exports: Sequence[Export] = ()) -> list[Path]:
    """Write index.html, candidates/*.html, results.csv, results.json and the chosen exports."""
    written: list[Path] = []

    def put(path: Path, text: str) -> None:
        write_atomic(path, text)
        written.append(path)

    put(out_dir / "index.html", render_index(cohort))
    for row in cohort.rows:
        put(out_dir / "candidates" / f"{row.candidate.id}.html", render_candidate(cohort, row))
    put(out_dir / "results.csv", render_csv(cohort))
    put(out_dir / "results.json", json.dumps(cohort_to_dict(cohort), indent=2) + "\n")
    for export in exports:
        for row in cohort.rows:
            if export is Export.GRADESCOPE:
                put(out_dir / "gradescope" / row.candidate.id / "results.json", render_gradescope(cohort, row))
            else:
                put(out_dir / "junit" / f"{row.candidate.id}.xml", render_junit(cohort, row))
    return written


def render_handout_readme(name: str, title: str, challenges: Sequence[HandoutChallenge]) -> str:
    return (
        template_environment()
        .get_template("cohort/handout.md.j2")
        .render(name=name, title=title, challenges=challenges)
    )


def render_summary(cohort: Cohort, counts: Sequence[tuple[str, int]], elapsed_s: float, out_dir: Path) -> str:
    """The plain-text table `grader batch` prints on stdout at the end."""
    slugs = cohort.assessment.slugs
    header = ["rank", "candidate", *slugs, "total", "notes"]
    lines = [header]
    for row in cohort.rows:
        notes = []
        if not row.candidate.ok:
            notes.append(f"intake error: {row.candidate.error}")
        failed = [c.challenge for c in row.cells if c.status is CellStatus.FAILED]
        if failed:
            notes.append("grading failed: " + ", ".join(failed))
        if row.tampering_suspected:
            notes.append("tampering suspected")
        if row.flags:
            notes.append(f"{len(row.flags)} red flag(s)")
        if any(row.candidate.id in (p.a, p.b) for p in cohort.similar):
            notes.append("similar")
        cells = [cell_text(row.cell(s)) or "-" if row.candidate.ok else "-" for s in slugs]
        rank = "-" if row.rank is None else str(row.rank)
        lines.append([rank, row.candidate.name[:40], *cells, format_points(row.total), "; ".join(notes)[:100]])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    text = [
        "  ".join(value.ljust(widths[i]) if i == 1 else value.rjust(widths[i]) for i, value in enumerate(line[:-1]))
        + "  "
        + line[-1]
        for line in lines
    ]
    minutes, seconds = divmod(int(elapsed_s + 0.5), 60)
    tally = ", ".join(f"{name} {count}" for name, count in counts)
    text.append("")
    text.append(f"{tally} in {minutes}:{seconds:02d}; report: {out_dir / 'index.html'}")
    return "\n".join(line.rstrip() for line in text)
