"""Render results with Jinja2: HTML (autoescaped, self-contained), Markdown, JUnit XML, JSON."""

from __future__ import annotations

import enum
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from grader.errors import InputError
from grader.models import Audience, GradeResult, HiddenFeedback, Outcome, Suite, TestResult
from grader.resources import templates_dir

OUTPUT_LIMIT = 4000


HIDDEN_SUITE_ERROR = "the hidden suite could not be run; the hiring team has the details"


class Format(enum.StrEnum):
    HTML = "html"
    MD = "md"
    JSON = "json"
    JUNIT = "junit"
    GRADESCOPE = "gradescope"


FILE_NAMES = {
    Format.HTML: "report.html",
    Format.MD: "report.md",
    Format.JSON: "result.json",
    Format.JUNIT: "junit.xml",
    Format.GRADESCOPE: "results.json",
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    name: str
    lines: tuple[str, ...]
    truncated: bool


CODE_LINES = 2000


def source_listing(files: Mapping[str, bytes]) -> tuple[SourceFile, ...]:
    """A submission's text files for a reviewer's page, Python first, at most CODE_LINES lines each."""
    shown = []
    for name in sorted(files, key=lambda n: (not n.endswith(".py"), n)):
        text = files[name].decode("utf-8", errors="replace")
        if "\0" in text:
            continue  # binary: the page says nothing useful about it
        lines = text.splitlines()
        shown.append(SourceFile(name, tuple(lines[:CODE_LINES]), len(lines) > CODE_LINES))
    return tuple(shown)


@dataclass(frozen=True, slots=True)
class CodeNote:
    """A line of the submission a reviewer should look at (a red flag of the static scan)."""

    file: str
    line: int
    note: str


@dataclass(frozen=True, slots=True)
class SubmittedCode:
    """What the reviewer's single-grade page shows of the submission: its files, lines numbered, and
    the lines the static scan flagged."""

    files: tuple[SourceFile, ...]
    notes: tuple[CodeNote, ...] = ()

    @property
    def flagged(self) -> frozenset[tuple[str, int]]:
        return frozenset((note.file, note.line) for note in self.notes)


@dataclass(frozen=True, slots=True)
class PublicTest:
    """A hidden test as a candidate may see it: its number, its public description, passed or not."""

    number: int
    description: str
    passed: bool

    @property
    def label(self) -> str:
        return f"hidden test {self.number}" + (f": {self.description}" if self.description else "")

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "description": self.description, "passed": self.passed}


@dataclass(frozen=True, slots=True)
class ReportView:
    """What a template may show: the candidate audience never sees hidden-test details, only, when
    `hidden` allows it, each test's public description and whether it passed."""

    result: GradeResult
    audience: Audience
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS
    submitted: SubmittedCode | None = None

    @property
    def code(self) -> SubmittedCode | None:
        """The submission's code, for reviewers only (its red flags are the hiring team's)."""
        return self.submitted if self.audience is Audience.REVIEWER else None

    @property
    def show_details(self) -> bool:
        return self.audience is Audience.REVIEWER or self.result.suite is Suite.VISIBLE

    @property
    def public_tests(self) -> tuple[PublicTest, ...]:
        """For a candidate allowed descriptions: every hidden test, in suite order; else nothing."""
        if self.show_details or self.hidden is HiddenFeedback.COUNTS:
            return ()
        return tuple(
            PublicTest(number, test.description, test.outcome is Outcome.PASSED)
            for number, test in enumerate(self.result.tests, start=1)
        )

    @property
    def error(self) -> str | None:
        """The grading error, if any; for a candidate, without the hidden suite's own text."""
        if self.result.error is None or self.show_details:
            return self.result.error
        return HIDDEN_SUITE_ERROR

    @property
    def counts(self) -> dict[str, int]:
        return {outcome.value: self.result.count(outcome) for outcome in Outcome}

    @property
    def error_count(self) -> int:
        """JUnit's 'errors': every outcome that is neither a pass nor an assertion failure."""
        return len(self.result.tests) - self.result.count(Outcome.PASSED) - self.result.count(Outcome.FAILED)


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """Drop the characters XML 1.0 cannot carry even escaped (a submission may print them)."""
    return _XML_INVALID.sub("\ufffd", value)


def parse_formats(text: str) -> tuple[Format, ...]:
    formats = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            formats.append(Format(part))
        except ValueError:
            allowed = ", ".join(f.value for f in Format)
            raise InputError(f"unknown report format {part!r} (choose from {allowed})") from None
    if not formats:
        raise InputError("no report format given")
    return tuple(dict.fromkeys(formats))


@functools.cache
def template_environment() -> jinja2.Environment:
    """The one Jinja environment of every report, page and hand-out file.

    HTML and XML templates are autoescaped; every string printed loses the control characters HTML
    and XML cannot carry (a submission's output may hold NULs or terminal escapes); an undefined
    name is an error, not an empty string.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "xml", "html.j2", "xml.j2"), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["xml_text"] = xml_text
    env.filters["clip"] = clip
    env.filters["points"] = format_points
    env.filters["failures_first"] = failures_first
    return env


def failures_first(tests: Sequence[TestResult]) -> list[TestResult]:
    """What a reviewer reads first: every test that did not pass, then the passes, each in suite order."""
    return sorted(tests, key=lambda test: test.outcome is Outcome.PASSED)


def _finalize(value: Any) -> Any:
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(xml_text(str(value)))
    return xml_text(value) if isinstance(value, str) else value


def clip(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """Captured output and messages, truncated for a page."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n... ({len(text) - limit} more characters)"


def format_points(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def render(
    result: GradeResult,
    fmt: Format,
    audience: Audience = Audience.REVIEWER,
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS,
    submitted: SubmittedCode | None = None,
) -> str:
    """`result` in `fmt` for `audience`: for a candidate, a hidden suite is the score, the counts
    and (unless `hidden` is counts) each test's public description with passed or not. The
    reviewer's HTML page also lists the `submitted` code."""
    view = ReportView(result, audience, hidden, submitted)
    if fmt is Format.GRADESCOPE:
        return render_gradescope_results(result, audience, hidden=hidden)
    if fmt is Format.JSON:
        data = result.to_dict()
        if not view.show_details:
            # "tests" keeps its meaning (full records, here none); the public view has its own key.
            data["tests"] = []
            data["hidden_tests"] = [test.to_dict() for test in view.public_tests]
            data["counts"] = view.counts
            data["error"] = view.error
            data["audience"] = audience.value
        return json.dumps(data, indent=2, sort_keys=False) + "\n"
    template_name = {
        Format.HTML: "report.html.j2",
        Format.MD: "report.md.j2",
        Format.JUNIT: "junit.xml.j2",
    }[fmt]
    return template_environment().get_template(template_name).render(view=view, result=result)


def gradescope_tests(
    result: GradeResult,
    label: str,
    max_points: float,
    audience: Audience,
    *,
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS,
    output_chars: int = 2000,
) -> list[dict[str, Any]]:
    """Gradescope test entries for one result worth `max_points`: one per hidden test, points pro rata
    to weight, shown once grades are published (reviewer); or, for a candidate, one visible entry per
    hidden test named by its public description with its points and no output (`hidden` descriptions),
    or one entry for the whole hidden suite with its score and counts; never a test name, message or
    example."""
    view = ReportView(result, audience, hidden)
    earned = max_points * result.score / result.max_score if result.max_score else 0.0
    total_weight = sum(t.weight for t in result.tests) or 1.0
    if view.public_tests:
        described = []
        for public, test in zip(view.public_tests, result.tests, strict=True):
            share = max_points * test.weight / total_weight
            described.append(
                _gradescope_test(
                    f"{label}: {public.label}", share if public.passed else 0.0, share, public.passed, "",
                    [label], "visible",
                )
            )  # fmt: skip
        return described
    if not view.show_details:
        summary = f"{result.count(Outcome.PASSED)} of {len(result.tests)} hidden tests passed"
        if view.error:
            summary += f" ({view.error})"
        return [
            _gradescope_test(
                f"{label}: hidden suite", earned, max_points, result.full_marks, summary, [label], "visible"
            )
        ]
    entries = []
    for test in result.tests:
        share = max_points * test.weight / total_weight
        passed = test.outcome is Outcome.PASSED
        entries.append(
            _gradescope_test(
                f"{label}: {test.id}", share if passed else 0.0, share, passed, clip(test.message, output_chars),
                [label, test.outcome.value], "after_published",
            )
        )  # fmt: skip
    return entries


def _gradescope_test(
    name: str, score: float, max_score: float, passed: bool, output: str, tags: list[str], visibility: str
) -> dict[str, Any]:
    return {
        "name": name,
        "score": round(score, 4),
        "max_score": round(max_score, 4),
        "status": "passed" if passed else "failed",
        "output": output,
        "output_format": "text",
        "tags": tags,
        "visibility": visibility,
    }


def gradescope_results(tests: list[dict[str, Any]], score: float, seconds: float, output: str = "") -> str:
    """Gradescope's results.json around `tests` (numbered here, in order)."""
    numbered = [{**test, "number": str(index)} for index, test in enumerate(tests, start=1)]
    data = {
        "score": round(score, 4),
        "execution_time": round(seconds, 3),
        "output": output,
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": numbered,
    }
    return json.dumps(data, indent=2) + "\n"


def render_gradescope_results(
    result: GradeResult,
    audience: Audience,
    max_points: float | None = None,
    *,
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS,
) -> str:
    """One grading as Gradescope's autograder results.json (what `run_autograder` writes)."""
    points = result.max_score if max_points is None else max_points
    earned = points * result.score / result.max_score if result.max_score else 0.0
    seconds = sum(t.duration_s for t in result.tests)
    tests = gradescope_tests(result, result.challenge, points, audience, hidden=hidden)
    return gradescope_results(tests, earned, seconds)


def write_reports(
    result: GradeResult,
    out_dir: Path,
    formats: tuple[Format, ...],
    audience: Audience,
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS,
    submitted: SubmittedCode | None = None,
) -> list[Path]:
    """Write result.json (always) plus the chosen renderings, every one of them for `audience`.

    A candidate's folder holds nothing of the hidden suite beyond the public descriptions: not even
    result.json keeps the test names, messages or examples (the reviewer's result.json is the full
    record).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    result_path = out_dir / FILE_NAMES[Format.JSON]
    result_path.write_text(render(result, Format.JSON, audience, hidden), encoding="utf-8")
    written.append(result_path)
    for fmt in formats:
        if fmt is Format.JSON:
            continue
        path = out_dir / FILE_NAMES[fmt]
        path.write_text(render(result, fmt, audience, hidden, submitted), encoding="utf-8")
        written.append(path)
    return written


def load_result(path: Path) -> GradeResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    try:
        return GradeResult.from_dict(data)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def render_verify(checks: Sequence[Any], fmt: Format) -> str:
    """The suite-quality report of `grader verify --format`."""
    failed = sum(1 for c in checks if not c.ok)
    if fmt is Format.JSON:
        data = {
            "schema_version": 1,
            "passed": len(checks) - failed,
            "failed": failed,
            "checks": [
                {"challenge": c.challenge, "name": c.name, "ok": c.ok, "detail": c.detail, "seconds": c.seconds}
                for c in checks
            ],
        }
        return json.dumps(data, indent=2) + "\n"
    if fmt is Format.JUNIT:
        raise InputError("the suite-quality report comes as html, md or json")
    template = {Format.HTML: "verify.html.j2", Format.MD: "verify.md.j2"}[fmt]
    challenges = sorted({c.challenge for c in checks})
    return (
        template_environment()
        .get_template(template)
        .render(checks=checks, passed=len(checks) - failed, failed=failed, challenges=challenges)
    )
