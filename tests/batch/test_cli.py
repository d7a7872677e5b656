"""`grader batch` end to end on a hand-made cohort, graded once per module with the local sandbox.

Correct, partially correct, broken, hostile, near-copy and independent entries over two
challenges, one entry missing a challenge folder and three malformed archives.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.api import BatchOptions, run_batch
from grader.batch.assessment import load_assessment, resolve_challenges
from grader.batch.intake import intake
from grader.batch.runner import plan_tasks
from grader.batch.store import TMP_PREFIX
from grader.cli import cli
from grader.cli.common import LOCAL_WARNING
from grader.errors import InputError
from tests.batch.factory import Expected, make_bank, toy, toy_cohort, write_entry

PROJECT = Path(__file__).resolve().parents[2]
ASSESSMENT = """
name = "toy-take-home"
title = "Toy take-home"

[[challenges]]
slug = "toy-sum"
points = 60

[[challenges]]
slug = "toy-sum-b"
points = 40
"""
GRADINGS = 10  # 8 accepted candidates on the first challenge, 2 of them on the second too


@dataclass(frozen=True)
class Cohort:
    bank: Path
    subs: Path
    toml: Path
    out: Path
    expected: dict[str, Expected]
    stdout: str
    stderr: str
    code: int


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args], standalone_mode=False, catch_exceptions=False)
    code = result.return_value if isinstance(result.return_value, int) else 0
    return code, result.stdout, result.stderr


def batch_args(cohort_root: Path, out: Path, *extra: str) -> list[str | Path]:
    return ["batch", cohort_root / "assessment.toml", cohort_root / "subs", "--out", out, "--sandbox", "local", *extra]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Cohort:
    root = tmp_path_factory.mktemp("cohort")
    bank = make_bank(root / "bank")
    expected = toy_cohort(root / "subs")
    (root / "assessment.toml").write_text(ASSESSMENT)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_BANK", str(bank))
        code, stdout, stderr = run(
            *batch_args(root, root / "out", "--jobs", "2", "--export", "junit", "--export", "gradescope")
        )
    return Cohort(bank, root / "subs", root / "assessment.toml", root / "out", expected, stdout, stderr, code)


@pytest.fixture
def bank_env(cohort: Cohort, monkeypatch: pytest.MonkeyPatch) -> Cohort:
    monkeypatch.setenv("GRADER_BANK", str(cohort.bank))
    return cohort


def results_json(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "results.json").read_text())


class LeaderboardParser(HTMLParser):
    """The rows of the leaderboard table, as cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.inside = False
        self.in_body = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "leaderboard-table") in attrs:
            self.inside = True
        elif self.inside and tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.inside:
            self.inside = self.in_body = False

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def leaderboard(html: str) -> list[list[str]]:
    parser = LeaderboardParser()
    parser.feed(html)
    return parser.rows


def csv_rows(out: Path) -> list[dict[str, str]]:
    with (out / "results.csv").open() as handle:
        return list(csv.DictReader(handle))


def check_leaderboard_against_csv(html: str, out: Path) -> None:
    board = leaderboard(html)
    ranked = [row for row in csv_rows(out) if row["status"] == "accepted"]
    assert len(board) == len(ranked) == 8
    for shown, row in zip(board, ranked, strict=True):
        rank, name, first, second, total, _percent, _notes = shown
        assert (rank, name, total) == (row["rank"], row["candidate"], row["total"])
        assert first == row["toy-sum"]
        assert second == row["toy-sum-b"] or (second == "not submitted" and row["toy-sum-b"] == "0")


# ------------------------------------------------------------------ the graded cohort


def test_the_batch_completes_with_a_summary_and_the_local_warning(cohort: Cohort) -> None:
    assert cohort.code == 0
    assert LOCAL_WARNING in cohort.stderr
    assert f"graded {GRADINGS}, reused 0, failed 0, intake errors 3" in cohort.stdout
    assert re.search(r"^\s+1\s+alice\s+60\s+40\s+100$", cohort.stdout, re.MULTILINE)
    assert "mallory" in cohort.stdout and "intake error: member '../../escaped.py'" in cohort.stdout


def test_every_candidate_gets_the_expected_points(cohort: Cohort) -> None:
    rows = {row["name"]: row for row in results_json(cohort.out)["candidates"]}
    assert set(rows) == set(cohort.expected)
    weights = {"toy-sum": 0.6, "toy-sum-b": 0.4}
    for name, expected in cohort.expected.items():
        row = rows[name]
        if expected.intake_error:
            assert row["status"] == "intake error" and expected.intake_error in row["intake_error"]
            assert row["rank"] is None
            continue
        for slug, percent in expected.points.items():
            cell = row["challenges"][slug]
            if percent is None:
                assert cell["status"] == "not submitted" and cell["points"] == 0
            else:
                assert cell["status"] == "graded", (name, cell)
                assert cell["points"] == pytest.approx(weights[slug] * percent, abs=0.011), (name, slug)


def test_leaderboard_matches_results_csv(cohort: Cohort) -> None:
    check_leaderboard_against_csv((cohort.out / "index.html").read_text(), cohort.out)
    rows = csv_rows(cohort.out)
    assert [(r["rank"], r["candidate"], r["total"]) for r in rows[:7]] == [
        ("1", "alice", "100"),
        ("2", "erin", "60"),
        ("2", "frank", "60"),
        ("2", "grace", "60"),
        ("2", "heidi", "60"),
        ("6", "bob", "42.86"),
        ("7", "dave", "8.57"),
    ]
    assert [r["candidate"] for r in rows[-3:]] == ["mallory", "oscar", "trudy"]


def test_report_pages_and_intake_errors(cohort: Cohort) -> None:
    index = (cohort.out / "index.html").read_text()
    for reason in ("&#39;..&#39; in path", "compression ratio above 100:1", "symbolic link"):
        assert reason in index
    assert "<svg" in index and 'class="bar"' in index
    for name in cohort.expected:
        assert (cohort.out / "candidates" / f"{name}.html").is_file()
    bob = (cohort.out / "candidates" / "bob.html").read_text()
    assert "test_hidden.py::test_add_property" in bob and "Falsifying example" in bob
    assert "../index.html" in bob


def test_near_copies_are_flagged_and_independent_solutions_are_not(cohort: Cohort) -> None:
    pairs = {(p["challenge"], p["a"], p["b"]) for p in results_json(cohort.out)["similarity"]}
    assert pairs == {("toy-sum", "frank", "grace")}
    index = (cohort.out / "index.html").read_text()
    assert 'id="pair-1"' in index and "def add(x, y):" in index


def test_red_flags_are_listed_and_do_not_change_the_score(cohort: Cohort) -> None:
    dave = next(r for r in results_json(cohort.out)["candidates"] if r["id"] == "dave")
    flags = {(f["challenge"], f["file"], f["line"], f["kind"]) for f in dave["red_flags"]}
    assert ("toy-sum", "solution.py", 5, "process exit") in flags
    assert ("toy-sum", "solution.py", 13, "process exit") in flags
    assert dave["challenges"]["toy-sum"]["points"] == pytest.approx(60 / 7, abs=0.01)
    page = (cohort.out / "candidates" / "dave.html").read_text()
    assert "solution.py:5" in page and "crashed" in page


def test_exports(cohort: Cohort) -> None:
    gradescope = json.loads((cohort.out / "gradescope" / "bob" / "results.json").read_text())
    assert gradescope["score"] == pytest.approx(42.86, abs=0.01)
    # The assessment's audience is candidate (the default): one entry per hidden test, named by its
    # public description, with its points and no output; never a hidden test's name.
    names = [t["name"] for t in gradescope["tests"]]
    assert names[:2] == [
        "toy-sum: hidden test 1: Adds two small numbers.",
        "toy-sum: hidden test 2: Adds any two integers.",
    ]
    assert len(names) == 8 and not [name for name in names if "test_" in name]
    assert all(t["output"] == "" and t["visibility"] == "visible" for t in gradescope["tests"])
    assert sum(t["score"] for t in gradescope["tests"]) == pytest.approx(gradescope["score"], abs=0.01)
    junit = (cohort.out / "junit" / "alice.xml").read_text()
    assert junit.count("<testsuite ") == 2 and "<failure" not in junit
    assert '<error type="intake error"' in (cohort.out / "junit" / "trudy.xml").read_text()


def test_feedback_for_candidates_hides_hidden_tests(bank_env: Cohort) -> None:
    code, stdout, _ = run("feedback", bank_env.out, "bob")
    assert code == 0
    assert "42.86 / 100 points" in stdout and "Hidden tests: 2 passed, 2 failed." in stdout
    assert "test_hidden" not in stdout and "hello" not in stdout
    assert "The example tests were not run in this batch." in stdout  # the batch ran without --visible
    assert "| 2 | Adds any two integers. | not passed |" in stdout  # its public description
    _, reviewer, _ = run("feedback", bank_env.out, "bob", "--audience", "reviewer", "--format", "html")
    assert "test_hidden.py::test_greet" in reviewer and "<!DOCTYPE html>" in reviewer
    _, refused, _ = run("feedback", bank_env.out, "oscar")
    assert "could not be accepted" in refused
    with pytest.raises(InputError, match="unknown candidate 'nobody'"):
        run("feedback", bank_env.out, "nobody")


def test_force_plans_every_grading_again(cohort: Cohort) -> None:
    assessment = load_assessment(cohort.toml)
    challenges = resolve_challenges(assessment, cohort.bank)
    candidates = intake(cohort.subs, assessment.slugs, {c.slug: c.module_rules() for c in challenges})
    assert len(plan_tasks(candidates, challenges, cohort.out, "local").todo) == 0
    assert len(plan_tasks(candidates, challenges, cohort.out, "local", force=True).todo) == GRADINGS
    assert len(plan_tasks(candidates, challenges, cohort.out, "sha256:other-image").todo) == GRADINGS


def test_second_run_regrades_nothing(bank_env: Cohort) -> None:
    stored = sorted((bank_env.out / "results").glob("*/*.json"))
    assert len(stored) == GRADINGS
    before = {path: path.stat().st_mtime_ns for path in stored}
    code, stdout, _ = run(*batch_args(bank_env.toml.parent, bank_env.out, "--quiet"))
    assert code == 0
    assert f"graded 0, reused {GRADINGS}, failed 0" in stdout
    assert {path: path.stat().st_mtime_ns for path in stored} == before
    check_leaderboard_against_csv((bank_env.out / "index.html").read_text(), bank_env.out)


def _normalised(out: Path) -> tuple[str, str, dict]:  # type: ignore[type-arg]
    data = results_json(out)
    data["provenance"].pop("generated_at")
    index = re.sub(r"generated \S+", "generated -", (out / "index.html").read_text())
    index = re.sub(r"<dt>Generated</dt><dd>[^<]*</dd>", "", index)
    return (out / "results.csv").read_text(), index, data


def stored_results(out: Path) -> list[Path]:
    """Finished results only: pathlib's `*` also matches a `.tmp-*.json` still being written."""
    return [p for p in out.glob("results/*/*.json") if not p.name.startswith(TMP_PREFIX)]


def test_kill_9_halfway_then_rerun_gives_the_same_report(bank_env: Cohort, tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", *map(str, batch_args(bank_env.toml.parent, out, "--jobs", "2"))]
    process = subprocess.Popen(
        command,
        cwd=PROJECT,
        env={**os.environ, "GRADER_BANK": str(bank_env.bank)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    try:
        while len(stored_results(out)) < 3:
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "no results after 120 s"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    done_before = len(stored_results(out))
    assert done_before < GRADINGS
    assert not (out / "index.html").exists()

    code, stdout, _ = run(*batch_args(bank_env.toml.parent, out, "--jobs", "2", "--quiet"))
    assert code == 0
    regraded = int(re.search(r"graded (\d+), reused (\d+)", stdout).group(1))  # type: ignore[union-attr]
    assert regraded == GRADINGS - done_before
    assert _normalised(out) == _normalised(bank_env.out)


def test_visible_suite_feeds_candidate_feedback(bank_env: Cohort, tmp_path: Path) -> None:
    subs = tmp_path / "subs"
    write_entry(subs, "zoe", {"toy-sum/solution.py": toy("partial")}, "folder")
    toml = tmp_path / "assessment.toml"
    toml.write_text('name = "one"\n[[challenges]]\nslug = "toy-sum"\n')
    code, stdout, _ = run("batch", toml, subs, "--out", tmp_path / "out", "--sandbox", "local", "--visible", "-q")
    assert code == 0 and "graded 2" in stdout
    _, feedback, _ = run("feedback", tmp_path / "out", "zoe")
    assert "test_visible.py::test_add_example" in feedback and "passed" in feedback
    assert "test_hidden" not in feedback


def test_batch_api_reports_intake_only_cohorts(tmp_path: Path, bank_env: Cohort) -> None:
    """Nothing gradable (every entry refused): the report is still written; exit 0."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "x.rar").write_bytes(b"Rar!")
    assessment = load_assessment(bank_env.toml)
    result = run_batch(
        assessment,
        resolve_challenges(assessment),
        subs,
        tmp_path / "out",
        BatchOptions(jobs=1, sandbox=__import__("grader.api").api.SandboxChoice("local")),
    )
    assert result.exit_code == 0 and len(result.cohort.intake_errors) == 1
    assert (tmp_path / "out" / "index.html").is_file()


def test_report_renders_in_headless_chromium(cohort: Cohort) -> None:
    """The browser runs the page (the sorting script marks the table ready) with no console errors."""
    if shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(".ci/run installs Debian's chromium; it is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pages = [cohort.out / "index.html", cohort.out / "candidates" / "dave.html"]
    for page in pages:
        done = subprocess.run(
            [
                "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                "--dump-dom", page.as_uri(),
            ],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
        assert console == [], console
        assert "</html>" in done.stdout
        if page.name == "index.html":
            assert 'data-sortable="ready"' in done.stdout
            check_leaderboard_against_csv(done.stdout, cohort.out)


# Where CI keeps what a run shows people (a path .ci/run prints at the end).
ARTIFACTS = Path(os.environ.get("GRADER_ARTIFACTS", PROJECT / "out" / "ci-artifacts"))
SCREENSHOT_SIZE = (1280, 1600)
WRONG_ADD = """import os


def add(a, b):
    return a + b if abs(a) < 1000 else a - b


def greet(name):
    return f"hello {name}"


def spin(n):
    os._exit(3)
"""


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail(".ci/run installs Debian's chromium; it is missing")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", path
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_screenshots_of_the_reviewer_candidate_and_cohort_pages(bank_env: Cohort, tmp_path: Path) -> None:
    """Each page, as a browser draws it, holds what its readers look for; the screenshots are kept."""
    source = tmp_path / "wrong_add.py"
    source.write_text(WRONG_ADD)
    single = {}
    for audience in ("reviewer", "candidate"):
        code, _, _ = run(
            "grade", str(source), "--challenge", "toy-sum", "--sandbox", "local", "--out", str(tmp_path / audience),
            "--format", "html", "--audience", audience,
        )  # fmt: skip
        assert code == 0
        single[audience] = tmp_path / audience / "report.html"
    pages = {
        "grade-reviewer": single["reviewer"],
        "grade-candidate": single["candidate"],
        "cohort": bank_env.out / "index.html",
        "cohort-candidate": bank_env.out / "candidates" / "dave.html",
    }
    dom = {name: chromium("--dump-dom", page.as_uri()).stdout for name, page in pages.items()}
    reviewer = dom["grade-reviewer"]
    rows = re.findall(r'<tr id="test-\d+">.*?<td class="(\w+)">', reviewer, re.S)
    assert rows[0] != "passed" and rows[-1] == "passed"  # failures first
    assert "Falsifying example" in reviewer and "assert" in reviewer
    assert 'class="line flagged"' in reviewer and 'class="code"' in reviewer
    candidate = dom["grade-candidate"]
    assert "What it checks" in candidate and "Adds any two integers." in candidate and "not passed" in candidate
    assert "test_add_property" not in candidate and "Falsifying" not in candidate
    index = dom["cohort"]
    assert 'aria-label="Histogram of total scores in percent"' in index and 'class="track"' in index
    assert 'aria-sort="ascending"' in index and 'id="pair-1"' in index
    assert 'class="code"' in dom["cohort-candidate"] and "flagged" in dom["cohort-candidate"]
    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    for name, page in pages.items():
        target = shots / f"{name}.png"
        target.unlink(missing_ok=True)
        chromium(f"--window-size={SCREENSHOT_SIZE[0]},{SCREENSHOT_SIZE[1]}", f"--screenshot={target}", page.as_uri())
        assert png_size(target) == SCREENSHOT_SIZE
        assert target.stat().st_size > 20_000, target  # a drawn page, not a blank one
