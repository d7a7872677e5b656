"""Cohort rendering: every candidate-controlled string is escaped; CSV, JUnit and Gradescope are well formed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader.batch.assessment import Assessment, AssessmentChallenge
from grader.batch.cohort import Provenance, compute_cohort
from grader.batch.intake import Candidate
from grader.batch.redflags import FlagKind, RedFlag
from grader.batch.render import Export, defuse_csv, render_csv, render_summary, write_cohort
from grader.batch.similarity import Region, SimilarPair
from grader.models import Audience, GradeResult, GradeStatus, HiddenFeedback, Outcome, Suite, TestResult

HOSTILE = '<script>alert("x")</script>'
ASSESSMENT = Assessment("x", (AssessmentChallenge("toy-sum", 100),))


def hostile_cohort(assessment: Assessment = ASSESSMENT):  # type: ignore[no-untyped-def]
    result = GradeResult(
        challenge="toy-sum", suite=Suite.HIDDEN, submission_sha256="s", status=GradeStatus.GRADED,
        score=1, max_score=2, percent=50,
        tests=(
            TestResult("t::a", Outcome.PASSED, output=HOSTILE + "\x00\x1b[2J"),
            TestResult("t::b", Outcome.FAILED, message=HOSTILE, falsifying_example=f"a={HOSTILE!r}"),
        ),
        sandbox={}, grader_version="0", started_at="", finished_at="",
    )  # fmt: skip
    evil = Candidate("evil-1234abcd", HOSTILE, HOSTILE + ".zip", {"toy-sum": {"solution.py": b""}})
    formula = Candidate("formula", "=HYPERLINK(1)", "x", error=HOSTILE)
    other = Candidate("ok", "ok", "ok", {"toy-sum": {"solution.py": b""}})
    pair = SimilarPair(
        "toy-sum", "evil-1234abcd", "ok", 0.9, 20, (Region(HOSTILE, 1, 2, "s.py", 1, 2, HOSTILE, "x = 1"),)
    )
    return compute_cohort(
        assessment, {"toy-sum": HOSTILE}, [evil, formula, other],
        {("evil-1234abcd", "toy-sum"): result, ("ok", "toy-sum"): result}, {},
        Provenance("0", "local", "", "local", (("toy-sum", "d"),), "now"),
        flags={("evil-1234abcd", "toy-sum"): [RedFlag(HOSTILE, 3, FlagKind.EXIT, HOSTILE)]},
        similar=[pair],
    )  # fmt: skip


def test_nothing_hostile_reaches_the_html_unescaped(tmp_path: Path) -> None:
    written = write_cohort(hostile_cohort(), tmp_path, (Export.JUNIT, Export.GRADESCOPE))
    pages = [p for p in written if p.suffix == ".html"]
    assert {p.name for p in pages} == {"index.html", "evil-1234abcd.html", "formula.html", "ok.html"}
    for page in pages:
        text = page.read_text()
        assert "<script>alert" not in text
        assert text.count("<script>") <= 1  # only the report's own sorting script, on the index
        assert "\x1b" not in text and "\x00" not in text
    index = (tmp_path / "index.html").read_text()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in index
    candidate_page = (tmp_path / "candidates" / "evil-1234abcd.html").read_text()
    assert "&lt;script&gt;" in candidate_page and "exit" in candidate_page


REVIEWER_ASSESSMENT = replace(ASSESSMENT, feedback_audience=Audience.REVIEWER)
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def check_gradescope_results(data: dict[str, Any]) -> None:
    """The results.json fields and types Gradescope's autograder specification documents."""
    assert set(data) <= {
        "score",
        "execution_time",
        "output",
        "output_format",
        "test_output_format",
        "test_name_format",
        "visibility",
        "stdout_visibility",
        "extra_data",
        "tests",
        "leaderboard",
    }
    assert isinstance(data["score"], int | float) and isinstance(data["execution_time"], int | float)
    assert data["visibility"] in VISIBILITIES and data["stdout_visibility"] in VISIBILITIES
    assert data["output_format"] in OUTPUT_FORMATS and isinstance(data["output"], str)
    numbers = []
    for test in data["tests"]:
        assert set(test) <= {
            "score",
            "max_score",
            "status",
            "name",
            "name_format",
            "number",
            "output",
            "output_format",
            "tags",
            "visibility",
            "extra_data",
        }
        assert isinstance(test["score"], int | float) and isinstance(test["max_score"], int | float)
        assert test["status"] in ("passed", "failed") and test["visibility"] in VISIBILITIES
        assert test["output_format"] in OUTPUT_FORMATS and all(isinstance(t, str) for t in test["tags"])
        assert isinstance(test["name"], str) and isinstance(test["number"], str)
        numbers.append(test["number"])
    assert len(set(numbers)) == len(numbers)  # fmt: skip


def test_reviewer_exports_list_every_hidden_test(tmp_path: Path) -> None:
    write_cohort(hostile_cohort(REVIEWER_ASSESSMENT), tmp_path, (Export.JUNIT, Export.GRADESCOPE))
    root = ET.parse(tmp_path / "junit" / "evil-1234abcd.xml").getroot()
    cases = root.findall(".//testcase")
    assert [c.get("name") for c in cases] == ["t::a", "t::b"]
    assert root.find(".//failure") is not None
    refused = ET.parse(tmp_path / "junit" / "formula.xml").getroot()
    assert refused.find(".//error").get("type") == "intake error"  # type: ignore[union-attr]
    data = json.loads((tmp_path / "gradescope" / "evil-1234abcd" / "results.json").read_text())
    check_gradescope_results(data)
    assert data["score"] == 50
    assert [(t["name"], t["score"], t["max_score"], t["visibility"]) for t in data["tests"]] == [
        ("toy-sum: t::a", 50.0, 50.0, "after_published"),
        ("toy-sum: t::b", 0.0, 50.0, "after_published"),
    ]


def test_candidate_exports_hold_no_hidden_test_detail(tmp_path: Path) -> None:
    """The default audience: every exported byte is free of hidden names, messages and examples."""
    write_cohort(hostile_cohort(), tmp_path, (Export.JUNIT, Export.GRADESCOPE))
    exported = [*(tmp_path / "junit").iterdir(), *(tmp_path / "gradescope").rglob("*.json")]
    for path in exported:
        text = path.read_text()
        assert "t::a" not in text and "t::b" not in text, path
        if "formula" not in path.parts and path.stem != "formula":  # formula's intake error is its own text
            assert "<script>alert" not in text, path  # the failing hidden test's message
    root = ET.parse(tmp_path / "junit" / "evil-1234abcd.xml").getroot()
    assert [c.get("name") for c in root.findall(".//testcase")] == ["hidden test 1", "hidden test 2"]
    data = json.loads((tmp_path / "gradescope" / "evil-1234abcd" / "results.json").read_text())
    check_gradescope_results(data)
    assert [(t["name"], t["score"], t["status"], t["output"]) for t in data["tests"]] == [
        ("toy-sum: hidden test 1", 50.0, "passed", ""),
        ("toy-sum: hidden test 2", 0.0, "failed", ""),
    ]


def test_counts_only_exports_one_case_per_hidden_suite(tmp_path: Path) -> None:
    cohort = hostile_cohort()
    counts = replace(cohort, assessment=replace(cohort.assessment, hidden_feedback=HiddenFeedback.COUNTS))
    write_cohort(counts, tmp_path, (Export.JUNIT, Export.GRADESCOPE))
    root = ET.parse(tmp_path / "junit" / "evil-1234abcd.xml").getroot()
    assert [c.get("name") for c in root.findall(".//testcase")] == ["hidden suite"]
    data = json.loads((tmp_path / "gradescope" / "evil-1234abcd" / "results.json").read_text())
    assert [(t["name"], t["score"], t["status"], t["output"]) for t in data["tests"]] == [
        ("toy-sum: hidden suite", 50.0, "failed", "1 of 2 hidden tests passed"),
    ]


def test_csv_defuses_formulas() -> None:
    rows = list(csv.reader(io.StringIO(render_csv(hostile_cohort()))))
    assert rows[0] == ["rank", "candidate", "id", "status", "toy-sum", "total", "max_total"]
    by_id = {row[2]: row for row in rows[1:]}
    assert by_id["formula"][1] == "'=HYPERLINK(1)"
    assert by_id["formula"][3] == "intake error" and by_id["formula"][0] == ""
    assert by_id["evil-1234abcd"][4:6] == ["50", "50"]
    assert defuse_csv("-1") == "'-1" and defuse_csv("ada") == "ada"


def test_tampering_suspected_is_shown_next_to_the_name_and_on_the_candidate_page(tmp_path: Path) -> None:
    result = GradeResult(
        challenge="toy-sum", suite=Suite.HIDDEN, submission_sha256="s", status=GradeStatus.GRADED,
        score=2, max_score=2, percent=100, tests=(TestResult("t::a", Outcome.PASSED),),
        sandbox={}, grader_version="0", started_at="", finished_at="",
    )  # fmt: skip
    files = {"toy-sum": {"solution.py": b""}}
    cohort = compute_cohort(
        ASSESSMENT, {"toy-sum": "Toy"},
        [Candidate("mallory", "Mallory", "m", files), Candidate("trent", "Trent", "t", files)],
        {("mallory", "toy-sum"): result, ("trent", "toy-sum"): result}, {},
        Provenance("0", "local", "", "local", (("toy-sum", "d"),), "now"),
        flags={
            ("mallory", "toy-sum"): [
                RedFlag("solution.py", 2, FlagKind.REPLACES_MODULES, "assigns sys.modules['rpc']")
            ],
            ("trent", "toy-sum"): [RedFlag("solution.py", 5, FlagKind.THREADS, "uses threading.Lock")],
        },
    )  # fmt: skip
    write_cohort(cohort, tmp_path)
    index = (tmp_path / "index.html").read_text()
    assert index.count("tampering suspected") == 1
    mallory_cell = index[index.index('<td class="name"><a href="candidates/mallory.html">') :].split("</td>")[0]
    assert "tampering suspected" in mallory_cell and 'href="candidates/mallory.html#red-flags"' in mallory_cell
    mallory = (tmp_path / "candidates" / "mallory.html").read_text()
    assert "Tampering suspected" in mallory and 'id="red-flags"' in mallory
    assert "solution.py:2" in mallory and "replaces modules" in mallory
    trent = (tmp_path / "candidates" / "trent.html").read_text()
    assert mallory.count("replaces modules") == 2  # in the box and in the challenge's red flags
    assert "ampering suspected" not in trent and "threads or signals" in trent
    data = json.loads((tmp_path / "results.json").read_text())
    assert {row["id"]: row["tampering_suspected"] for row in data["candidates"]} == {"mallory": True, "trent": False}
    assert [row["total"] for row in data["candidates"]] == [100, 100]
    summary = render_summary(cohort, [("graded", 2)], 1.0, tmp_path)
    mallory_line = next(line for line in summary.splitlines() if "Mallory" in line)
    assert "tampering suspected" in mallory_line
    assert "tampering" not in next(line for line in summary.splitlines() if "Trent" in line)


def test_pages_people_look_at(tmp_path: Path) -> None:
    """Sort state exposed to assistive tech, a histogram with axes, hardest tests first, the code shown."""
    code = b"def add(a, b):\n    import os\n    os._exit(0)\n    return a + b\n"
    ada = Candidate("ada", "Ada", "ada", {"toy-sum": {"solution.py": code}})
    result = GradeResult(
        challenge="toy-sum", suite=Suite.HIDDEN, submission_sha256="s", status=GradeStatus.GRADED,
        score=1, max_score=2, percent=50,
        tests=(TestResult("t::easy", Outcome.PASSED), TestResult("t::hard", Outcome.FAILED, message="no")),
        sandbox={}, grader_version="0", started_at="", finished_at="",
    )  # fmt: skip
    cohort = compute_cohort(
        ASSESSMENT, {"toy-sum": "Toy"}, [ada], {("ada", "toy-sum"): result}, {},
        Provenance("0", "local", "", "local", (("toy-sum", "d"),), "now"),
        flags={("ada", "toy-sum"): [RedFlag("solution.py", 3, FlagKind.EXIT, "os._exit")]},
    )  # fmt: skip
    write_cohort(cohort, tmp_path)
    index = (tmp_path / "index.html").read_text()
    assert 'data-sort="num" aria-sort="ascending">Rank' in index and "aria-sort" in index.split("<script>")[1]
    assert ">candidates</text>" in index and 'class="tick"' in index  # the y axis, labelled
    rates = index[index.index('class="rates"') :]
    assert rates.index("t::hard") < rates.index("t::easy")  # lowest pass rate first
    assert 'style="width: 0.0%"' in rates and 'style="width: 100.0%"' in rates
    page = (tmp_path / "candidates" / "ada.html").read_text()
    listing = page[page.index('<pre class="code">') :]
    assert '<span class="line flagged" id="L-toy-sum-solution.py-3">    os._exit(0)</span>' in listing
    assert '<span class="line" id="L-toy-sum-solution.py-4">    return a + b</span>' in listing
