"""Every report format, both audiences, and hostile text from a submission."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from grader.errors import InputError
from grader.models import Audience, GradeResult, GradeStatus, HiddenFeedback, Outcome, Suite, TestResult, Timing
from grader.report import Format, load_result, parse_formats, render, write_reports

HOSTILE = "<script>alert('x')</script> & \x00\x07 ``` | done"


def sample(suite: Suite = Suite.HIDDEN) -> GradeResult:
    return GradeResult(
        challenge="lru-cache",
        title="LRU cache",
        suite=suite,
        submission_sha256="ab" * 32,
        status=GradeStatus.GRADED,
        score=3,
        max_score=5,
        percent=60.0,
        tests=(
            TestResult("test_secret_input_42", Outcome.PASSED, weight=3, duration_s=0.1),
            TestResult("test_hidden_edge", Outcome.FAILED, weight=1, message="assert -1 == 7", falsifying_example="Falsifying example: f(x=7)", output=HOSTILE),  # noqa: E501
            TestResult("test_perf", Outcome.TIMEOUT, weight=1, message="time limit exceeded", timing=Timing(9.5, 6.0)),
        ),
        sandbox={"backend": "docker", "image": "grader-sandbox:abc", "image_digest": "sha256:feed"},
        grader_version="0.1.0",
        started_at="2026-11-26T10:00:00+00:00",
        finished_at="2026-11-26T10:00:05+00:00",
    )  # fmt: skip


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_renders_for_both_audiences(fmt: Format) -> None:
    for audience in Audience:
        assert render(sample(), fmt, audience)


def test_html_is_escaped_and_self_contained() -> None:
    html = render(sample(), Format.HTML, Audience.REVIEWER)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<style>" in html and "<link" not in html and "src=" not in html
    assert "sha256:feed" in html


def test_candidate_sees_counts_not_hidden_details() -> None:
    for fmt in (Format.HTML, Format.MD, Format.JUNIT, Format.JSON):
        text = render(sample(), fmt, Audience.CANDIDATE)
        assert "test_secret_input_42" not in text
        assert "x=7" not in text
        assert "assert -1 == 7" not in text
        assert "60" in text


def test_candidate_sees_visible_test_details() -> None:
    text = render(sample(Suite.VISIBLE), Format.MD, Audience.CANDIDATE)
    assert "test_hidden_edge" in text
    assert "x=7" in text


def test_reviewer_sees_everything() -> None:
    md = render(sample(), Format.MD, Audience.REVIEWER)
    for needle in ("test_secret_input_42", "assert -1 == 7", "x=7", "timeout", "sha256:feed"):
        assert needle in md


def test_junit_is_valid_xml_even_with_control_characters() -> None:
    root = ET.fromstring(render(sample(), Format.JUNIT, Audience.REVIEWER).encode())
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("tests") == "3"
    assert suite.get("failures") == "1"
    assert suite.get("errors") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "test_secret_input_42",
        "test_hidden_edge",
        "test_perf",
    ]
    assert cases[1].find("failure") is not None
    assert cases[2].find("error") is not None


def test_json_round_trips_through_report(tmp_path: Path) -> None:
    written = write_reports(sample(), tmp_path, (Format.HTML, Format.MD, Format.JUNIT), Audience.REVIEWER)
    assert {p.name for p in written} == {"result.json", "report.html", "report.md", "junit.xml"}
    assert load_result(tmp_path / "result.json") == sample()


def test_load_result_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "r.json"
    bad.write_text("{nope")
    with pytest.raises(InputError, match=r"r\.json: not valid JSON"):
        load_result(bad)
    bad.write_text(json.dumps({"schema_version": 1}))
    with pytest.raises(InputError, match=r"r\.json: missing field"):
        load_result(bad)


def test_parse_formats() -> None:
    assert parse_formats("html, md,html") == (Format.HTML, Format.MD)
    with pytest.raises(InputError, match="unknown report format 'pdf'"):
        parse_formats("pdf")


@pytest.mark.parametrize("fmt", [Format.HTML, Format.MD, Format.JUNIT])
def test_control_characters_from_a_submission_never_reach_a_rendered_report(fmt: Format) -> None:
    """NULs and terminal escapes in captured output are stripped in every template (one environment)."""
    text = render(sample(), fmt, Audience.REVIEWER)
    assert "\x00" not in text and "\x07" not in text and "\x1b" not in text
    if fmt is not Format.MD:  # the Markdown report shows messages, not captured output
        assert "done" in text  # the printable rest of the output is kept


MARKERS = ("SECRET_NAME_1", "SECRET_MESSAGE_2", "SECRET_EXAMPLE_3", "SECRET_OUTPUT_4", "SECRET_ERROR_5")


def marked(status: GradeStatus = GradeStatus.GRADED) -> GradeResult:
    tests = (
        TestResult("tests/test_h.py::test_SECRET_NAME_1", Outcome.FAILED, message="assert SECRET_MESSAGE_2",
                   falsifying_example="f(SECRET_EXAMPLE_3)", output="SECRET_OUTPUT_4"),
        TestResult("tests/test_h.py::test_ok", Outcome.PASSED),
    )  # fmt: skip
    error = "the suite failed to load: SECRET_ERROR_5" if status is GradeStatus.ERROR else None
    return replace(sample(), tests=tests, status=status, error=error, score=1, max_score=2, percent=50.0)


@pytest.mark.parametrize("hidden", list(HiddenFeedback))
@pytest.mark.parametrize("status", [GradeStatus.GRADED, GradeStatus.ERROR])
def test_nothing_written_for_a_candidate_holds_a_hidden_detail(
    tmp_path: Path, status: GradeStatus, hidden: HiddenFeedback
) -> None:
    """Every byte of every file `grader grade --audience candidate --out` writes is free of the markers."""
    written = write_reports(marked(status), tmp_path, tuple(Format), Audience.CANDIDATE, hidden)
    assert {p.name for p in written} == {"result.json", "report.html", "report.md", "junit.xml", "results.json"}
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not [m for m in MARKERS if m in text], path.name
    data = json.loads((tmp_path / "result.json").read_text())
    assert data["counts"]["failed"] == 1 and data["score"] == 1
    junit = ET.parse(tmp_path / "junit.xml").getroot()
    assert data["tests"] == []
    if hidden is HiddenFeedback.COUNTS:
        assert data["hidden_tests"] == []
        assert [case.get("name") for case in junit.iter("testcase")] == ["hidden suite"]
        assert junit.get("tests") == "1" and junit.get("failures") == "1"
    else:
        assert [test["passed"] for test in data["hidden_tests"]] == [False, True]
        assert [case.get("name") for case in junit.iter("testcase")] == ["hidden test 1", "hidden test 2"]
        assert junit.get("tests") == "2" and junit.get("failures") == "1"


def test_the_reviewer_keeps_every_detail(tmp_path: Path) -> None:
    written = write_reports(marked(GradeStatus.ERROR), tmp_path, tuple(Format), Audience.REVIEWER)
    record = (tmp_path / "result.json").read_text()
    assert all(m in record for m in MARKERS)
    assert len(written) == 5
    gradescope = json.loads((tmp_path / "results.json").read_text())
    assert [t["name"] for t in gradescope["tests"]] == ["lru-cache: tests/test_h.py::test_SECRET_NAME_1",
                                                        "lru-cache: tests/test_h.py::test_ok"]  # fmt: skip
    assert {t["visibility"] for t in gradescope["tests"]} == {"after_published"}


def test_the_reviewer_page_puts_failures_first() -> None:
    page = render(sample(), Format.HTML, Audience.REVIEWER)
    body = page[page.index("<table") :]
    assert body.index("test_hidden_edge") < body.index("test_secret_input_42")
    assert body.index("test_perf") < body.index("test_secret_input_42")


def described() -> GradeResult:
    descriptions = ("Returns the value it was given.", "Refuses a bad key with | ValueError.", "")
    return replace(
        sample(),
        tests=tuple(replace(test, description=text) for test, text in zip(sample().tests, descriptions, strict=True)),
    )


@pytest.mark.parametrize("fmt", list(Format))
def test_a_candidate_sees_each_hidden_tests_description_and_whether_it_passed(fmt: Format) -> None:
    text = render(described(), fmt, Audience.CANDIDATE)
    assert "Returns the value it was given." in text
    assert "ValueError" in text
    for secret in ("test_secret_input_42", "test_hidden_edge", "assert -1 == 7", "x=7", "time limit"):
        assert secret not in text


def test_the_candidates_json_holds_number_description_and_passed_only() -> None:
    data = json.loads(render(described(), Format.JSON, Audience.CANDIDATE))
    assert data["tests"] == []
    assert data["hidden_tests"] == [
        {"number": 1, "description": "Returns the value it was given.", "passed": True},
        {"number": 2, "description": "Refuses a bad key with | ValueError.", "passed": False},
        {"number": 3, "description": "", "passed": False},
    ]


def test_the_candidates_junit_has_one_case_per_hidden_test() -> None:
    root = ET.fromstring(render(described(), Format.JUNIT, Audience.CANDIDATE).encode())
    cases = root.findall("testsuite/testcase")
    assert [case.get("name") for case in cases] == [
        "hidden test 1: Returns the value it was given.",
        "hidden test 2: Refuses a bad key with | ValueError.",
        "hidden test 3",
    ]
    assert [case.find("failure") is not None for case in cases] == [False, True, True]


@pytest.mark.parametrize("fmt", list(Format))
def test_counts_only_shows_no_description(fmt: Format) -> None:
    text = render(described(), fmt, Audience.CANDIDATE, HiddenFeedback.COUNTS)
    assert "Returns the value it was given." not in text


def test_the_candidates_markdown_table_keeps_a_pipe_in_a_description_in_its_cell() -> None:
    md = render(described(), Format.MD, Audience.CANDIDATE)
    assert "| 2 | Refuses a bad key with \\| ValueError. | not passed |" in md


def test_the_reviewer_page_shows_each_description_next_to_its_test() -> None:
    html = render(described(), Format.HTML, Audience.REVIEWER)
    assert "Returns the value it was given." in html and "test_secret_input_42" in html


def test_descriptions_round_trip_through_result_json(tmp_path: Path) -> None:
    written = write_reports(described(), tmp_path, (Format.JSON,), Audience.REVIEWER)
    assert load_result(written[0]).tests == described().tests
