"""The CLI end to end through click's CliRunner: output, files and exit codes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import cli, main
from tests.conftest import FILES, TOY


@pytest.fixture
def toy_bank(monkeypatch: pytest.MonkeyPatch) -> Path:
    bank = FILES / "challenges"
    monkeypatch.setenv("GRADER_BANK", str(bank))
    return bank


def run(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(cli, list(args), standalone_mode=False, catch_exceptions=False)
    return (
        (result.return_value if isinstance(result.return_value, int) else 0),
        result.stdout,
        result.stderr,
    )


def test_help_documents_exit_codes() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for line in (
        "0  graded",
        "1  verification failed",
        "2  usage or input error",
        "3  sandbox or infrastructure",
    ):
        assert line in result.output


def test_list_json_shows_seed_section_and_question() -> None:
    _, stdout, _ = run("list", "--json")
    data = json.loads(stdout)
    lru = next(c for c in data if c["slug"] == "lru-cache")
    assert lru["seed"] == {"section": "Data Structures and Algorithms", "question": 1}


def test_show_prints_the_prompt() -> None:
    _, stdout, _ = run("show", "lru-cache")
    assert "## Interface" in stdout
    assert "Limits:" in stdout


def test_init_copies_stub_and_visible_tests(tmp_path: Path) -> None:
    dest = tmp_path / "work"
    run("init", "lru-cache", str(dest))
    assert (dest / "solution.py").read_text().count("NotImplementedError") >= 1
    assert (dest / "prompt.md").exists()
    assert list((dest / "tests").glob("test_*.py"))
    assert not (dest / "reference").exists()


def test_grade_local_writes_every_report(tmp_path: Path, toy_bank: Path) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run(
        "grade", str(TOY / "reference"), "--challenge", "toy-sum", "--sandbox", "local",
        "--out", str(out), "--format", "html,md,json,junit",
    )  # fmt: skip
    assert code == 0
    assert "toy-sum: 7/7 (100.00%) graded" in stdout
    assert "does not isolate untrusted code" in stderr
    assert {p.name for p in out.iterdir()} == {
        "result.json",
        "report.html",
        "report.md",
        "junit.xml",
    }
    result = json.loads((out / "result.json").read_text())
    assert result["percent"] == 100.0
    assert result["sandbox"]["backend"] == "local"
    # the saved result renders again
    code, stdout, _ = run("report", str(out / "result.json"), "--format", "md", "--audience", "candidate")
    assert "100.00%" in stdout
    assert "test_add_small" not in stdout


FLAGGED = """import os


def add(a, b):
    return a + b


def greet(name):
    return f"hello {name}"


def spin(n):
    os._exit(3)
"""


def test_the_reviewer_page_lists_the_code_with_its_red_flags_and_the_candidates_does_not(
    tmp_path: Path, toy_bank: Path
) -> None:
    source = tmp_path / "flagged.py"
    source.write_text(FLAGGED)
    pages = {}
    for audience in ("reviewer", "candidate"):
        out = tmp_path / audience
        code, _, _ = run(
            "grade", str(source), "--challenge", "toy-sum", "--sandbox", "local",
            "--out", str(out), "--format", "html", "--audience", audience,
        )  # fmt: skip
        assert code == 0
        pages[audience] = (out / "report.html").read_text()
    reviewer = pages["reviewer"]
    assert 'id="code"' in reviewer and "solution.py" in reviewer
    assert '<span class="line flagged" id="L-solution.py-13">    os._exit(3)</span>' in reviewer
    assert 'href="#L-solution.py-13"' in reviewer and "process exit" in reviewer
    assert reviewer.index("Adds") < reviewer.index('id="code"')  # the tests come first
    assert 'id="code"' not in pages["candidate"] and "os._exit" not in pages["candidate"]


def test_test_command_runs_visible_tests(toy_bank: Path) -> None:
    code, stdout, _ = run("test", str(TOY / "reference"), "--challenge", "toy-sum")
    assert code == 0
    assert "test_visible.py::test_add_example PASSED" in stdout
    assert " 1 passed in " in stdout.splitlines()[-1]


def test_test_command_exits_1_on_a_failing_example_and_shows_the_candidates_output(
    toy_bank: Path, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("def add(a, b):\n    print('checking', a, b)\n    return a - b\n")
    code, stdout, _ = run("test", str(wrong), "--challenge", "toy-sum")
    assert code == 1  # as pytest exits 1
    assert "test_visible.py::test_add_example FAILED" in stdout
    assert "FAILURES" in stdout and "checking 1 1" in stdout
    code, stdout, _ = run("test", str(wrong), "--challenge", "toy-sum", "-k", "no_such_test")
    assert code == 1 and "no tests ran" in stdout  # nothing selected is not a pass


def test_verify_toy_bank_locally(toy_bank: Path) -> None:
    code, stdout, _ = run("verify", "toy-sum", "--sandbox", "local", "--basic")
    assert code == 0
    assert "0 failed" in stdout


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["grade", "nope.py", "--challenge", "toy-sum", "--sandbox", "local"], 2, "no such file"),
        (["grade", "x.py", "--challenge", "no-such", "--sandbox", "local"], 2, "unknown challenge"),
        (["report", "missing.json"], 2, "file not found"),
        (
            ["grade", "x.py", "--challenge", "toy-sum", "--format", "pdf", "--sandbox", "local"],
            2,
            "unknown report format",
        ),
        (["grade"], 2, "Missing argument"),
        (["verify", "no-such", "--sandbox", "local"], 2, "unknown challenge"),
    ],
)
def test_bad_input_is_one_line_with_exit_code(
    argv: list[str], code: int, message: str, toy_bank: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == code
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_bad_challenge_toml_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = tmp_path / "bank"
    (bank / "broken").mkdir(parents=True)
    (bank / "broken" / "challenge.toml").write_text('slug = "broken"\n')
    monkeypatch.setenv("GRADER_BANK", str(bank))
    assert main(["show", "broken"]) == 2
    err = capsys.readouterr().err
    assert "challenge.toml: missing field 'title'" in err
    assert err.count("\n") == 1


def test_challenge_new_scaffolds_a_loadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.challenges import load_challenge

    monkeypatch.setenv("GRADER_BANK", str(tmp_path))
    assert main(["challenge", "new", "my-thing", "--kind", "django"]) == 0
    challenge = load_challenge(tmp_path / "my-thing")
    assert challenge.driver_dir is not None
    for name in ("prompt.md", "stub/solution.py", "reference/solution.py", "wrong/example_wrong.py"):
        assert (tmp_path / "my-thing" / name).is_file()
    assert main(["challenge", "new", "my-thing"]) == 2


def test_verify_writes_a_suite_quality_report(tmp_path: Path, toy_bank: Path) -> None:
    out = tmp_path / "quality"
    code, _, _ = run(
        "verify",
        "toy-sum",
        "--sandbox",
        "local",
        "--basic",
        "--repeat",
        "2",
        "--format",
        "html,md,json",
        "--out",
        str(out),
    )
    assert code == 0
    data = json.loads((out / "verify.json").read_text())
    assert data["failed"] == 0
    assert any(c["name"] == "timing margins" for c in data["checks"])
    assert "<table>" in (out / "verify.html").read_text()
    assert "| toy-sum |" in (out / "verify.md").read_text()


def bad_path_cases(tmp: Path) -> list[list[str]]:
    """Every command that writes, with an output that is a file where a folder is due, or the
    reverse, or a place nothing can be written (/proc)."""
    a_file, a_dir = tmp / "a-file", tmp / "a-dir"
    sub = str(FILES / "samples" / "lru_cache_partial.py")
    grade = ["grade", sub, "--challenge", "toy-sum", "--sandbox", "local"]
    return [
        [*grade, "--out", str(a_file)],
        [*grade, "--out", "/proc/nope"],
        ["report", str(tmp / "result.json"), "--out", str(a_dir)],
        ["report", str(tmp / "result.json"), "--out", "/proc/nope/x.md"],
        ["verify", "toy-sum", "--sandbox", "local", "--format", "md", "--out", str(a_file)],
        ["bench", "toy-sum", "--out", str(a_file)],
        ["bench", "toy-sum", "--out", str(tmp / "bench"), "--markdown", str(a_dir)],
        ["init", "toy-sum", "/proc/nope"],
        ["assessment", "new", "x", "--challenge", "toy-sum", "--out", str(a_dir)],
        ["assessment", "pack", str(tmp / "a.toml"), str(a_file)],
        ["batch", str(tmp / "a.toml"), str(a_dir), "--out", str(a_file), "--sandbox", "local"],
        ["feedback", str(a_dir), "someone", "--out", "/proc/nope.md"],
    ]


def test_bad_output_paths_are_one_line_exit_2_before_any_work(
    toy_bank: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-dir").mkdir()
    assert main(["grade", str(FILES / "samples" / "lru_cache_partial.py"), "--challenge", "toy-sum",
                 "--sandbox", "local", "--out", str(tmp_path / "r")]) == 0  # fmt: skip
    (tmp_path / "r" / "result.json").rename(tmp_path / "result.json")
    assert main(["assessment", "new", "x", "--challenge", "toy-sum", "--out", str(tmp_path / "a.toml")]) == 0
    capsys.readouterr()
    for argv in bad_path_cases(tmp_path):
        started = time.monotonic()
        code = main(argv)
        captured = capsys.readouterr()
        assert code == 2, (argv, captured.err)
        assert "Traceback" not in captured.err and captured.err.startswith("error: "), (argv, captured.err)
        assert captured.err.count("\n") == 1, (argv, captured.err)
        assert time.monotonic() - started < 5, argv  # refused before grading anything


def test_grader_toml_sets_defaults_and_the_command_line_wins(
    toy_bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader.cli.main import config_defaults
    from grader.config import load_config

    (tmp_path / "grader.toml").write_text('sandbox = "local"\njobs = 3\n')
    monkeypatch.chdir(tmp_path)
    defaults = config_defaults(load_config(), cli)
    assert defaults["grade"]["sandbox"] == "local" and defaults["verify"]["jobs"] == 3
    assert defaults["batch"] == {"sandbox": "local", "jobs": 3}
    assert main(["grade", str(TOY / "reference"), "--challenge", "toy-sum"]) == 0  # local, from the file
    assert "local sandbox does not isolate" in capsys.readouterr().err


def test_challenge_slugs_complete_in_the_shell(toy_bank: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "_GRADER_COMPLETE": "bash_complete", "COMP_WORDS": "grader show toy", "COMP_CWORD": "2"}
    done = subprocess.run(
        [sys.executable, "-c", "from grader.cli import cli; cli(prog_name='grader')"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "toy-sum" in done.stdout
