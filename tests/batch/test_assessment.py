"""Assessments: one-line errors naming the file and field; `new` and `pack` through the CLI."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.batch.assessment import (
    Assessment,
    AssessmentChallenge,
    LimitOverrides,
    load_assessment,
    new_assessment,
    parse_assessment,
    parse_challenge_spec,
    render_assessment_toml,
    resolve_challenges,
)
from grader.cli import cli
from grader.errors import InputError
from grader.models import Audience, HiddenFeedback
from tests.batch.factory import make_bank

VALID = """
name = "backend-2025"
feedback_audience = "reviewer"

[[challenges]]
slug = "toy-sum"
points = 30
[challenges.limits]
call_seconds = 5
memory_mb = 128

[[challenges]]
slug = "toy-sum-b"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "assessment.toml"
    path.write_text(text)
    return path


def test_valid_file(tmp_path: Path) -> None:
    assessment = load_assessment(write(tmp_path, VALID))
    assert assessment.name == "backend-2025"
    assert assessment.feedback_audience is Audience.REVIEWER
    assert assessment.challenges == (
        AssessmentChallenge("toy-sum", 30.0, LimitOverrides(call_seconds=5.0, memory_mb=128)),
        AssessmentChallenge("toy-sum-b", 100.0),
    )
    assert assessment.max_points == 130


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("name = 'x'\nchallenges = []\nextra = 1\n", "unknown field 'extra'"),
        ("challenges = []\n", "missing field 'name'"),
        ("name = 'a/b'\nchallenges = [{slug = 'x'}]\n", "field 'name'"),
        ("name = 'x'\nchallenges = []\n", "field 'challenges' is empty"),
        ("name = 'x'\nchallenges = [{slug = 'Bad Slug'}]\n", "field 'challenges[0].slug'"),
        ("name = 'x'\nchallenges = [{slug = 'a', points = -1}]\n", "field 'challenges[0].points'"),
        ("name = 'x'\nchallenges = [{slug = 'a', points = true}]\n", "field 'challenges[0].points'"),
        ("name = 'x'\nchallenges = [{slug = 'a'}, {slug = 'a'}]\n", "field 'challenges[1].slug' repeats"),
        (
            "name = 'x'\nchallenges = [{slug = 'a', limits = {memory_mb = 1}}]\n",
            "field 'challenges[0].limits.memory_mb'",
        ),
        ("name = 'x'\nchallenges = [{slug = 'a', limits = {memory_mb = 64.5}}]\n", "must be an integer"),
        ("name = 'x'\nchallenges = [{slug = 'a', limits = {disk = 1}}]\n", "unknown field 'challenges[0].limits.disk'"),
        ("name = 'x'\nchallenges = [{slug = 'a', weight = 1}]\n", "unknown field 'challenges[0].weight'"),
        ("name = 'x'\nfeedback_audience = 'all'\nchallenges = [{slug = 'a'}]\n", "field 'feedback_audience'"),
        ("name = 'x'\nschema_version = 2\nchallenges = [{slug = 'a'}]\n", "field 'schema_version'"),
        ("name = 'x'\nhidden_feedback = 'all'\nchallenges = [{slug = 'a'}]\n", "field 'hidden_feedback'"),
        ("name = 'x'\ndescriptions_from = 'soon'\nchallenges = [{slug = 'a'}]\n", "field 'descriptions_from'"),
        (
            "name = 'x'\ndescriptions_from = 2027-01-15T10:00:00\nchallenges = [{slug = 'a'}]\n",
            "field 'descriptions_from'",
        ),
        ("name = 'x\n", "invalid TOML"),
    ],
)
def test_invalid_files_name_the_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_assessment(path)
    message = str(info.value)
    assert message.startswith(str(path)) and field in message and "\n" not in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_assessment(tmp_path / "nope.toml")


def test_render_round_trips(tmp_path: Path) -> None:
    assessment = new_assessment("team x", ["toy-sum:25", "toy-sum-b"], ["toy-sum:call_seconds=3"], Audience.REVIEWER)
    again = load_assessment(write(tmp_path, render_assessment_toml(assessment)))
    assert again == assessment


@pytest.mark.parametrize("spec", ["toy-sum:abc", "toy-sum:0", "Toy", "toy-sum:1e9"])
def test_bad_challenge_specs(spec: str) -> None:
    with pytest.raises(InputError, match="--challenge"):
        parse_challenge_spec(spec)


def test_unknown_challenge_is_an_input_error(tmp_path: Path) -> None:
    bank = make_bank(tmp_path / "bank", ["toy-sum"])
    assessment = Assessment("x", (AssessmentChallenge("nope"),))
    with pytest.raises(InputError, match="unknown challenge 'nope'"):
        resolve_challenges(assessment, bank)


def test_limit_overrides_apply(tmp_path: Path) -> None:
    bank = make_bank(tmp_path / "bank")
    (toy, other) = resolve_challenges(load_assessment(write(tmp_path, VALID)), bank)
    assert (toy.limits.call_seconds, toy.limits.memory_mb, toy.limits.suite_seconds) == (5.0, 128, 60)
    assert other.limits.call_seconds == 2


def test_cli_new_then_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_BANK", str(make_bank(tmp_path / "bank")))
    runner = CliRunner()
    toml = tmp_path / "a.toml"
    args = [
        "assessment",
        "new",
        "Take home",
        "--challenge",
        "toy-sum:40",
        "--challenge",
        "toy-sum-b",
        "--out",
        str(toml),
    ]
    result = runner.invoke(cli, args, standalone_mode=False, catch_exceptions=False)
    assert result.return_value == 0 and toml.is_file()
    with pytest.raises(InputError, match="exists"):
        runner.invoke(cli, args, standalone_mode=False, catch_exceptions=False)

    dest = tmp_path / "handout"
    result = runner.invoke(
        cli, ["assessment", "pack", str(toml), str(dest), "--archive"], standalone_mode=False, catch_exceptions=False
    )
    assert result.return_value == 0
    files = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file())
    per_challenge = [
        "README.md",
        "conftest.py",
        "prompt.md",
        "requirements.txt",
        "solution.py",
        "tests/test_visible.py",
    ]
    assert files == ["README.md"] + [f"{slug}/{name}" for slug in ("toy-sum-b", "toy-sum") for name in per_challenge]
    assert "NotImplementedError" in (dest / "toy-sum" / "solution.py").read_text()
    readme = (dest / "README.md").read_text()
    assert "cd toy-sum && python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" in readme
    assert "| `toy-sum/` | Toy sum | 40 |" in readme
    assert (tmp_path / "handout.zip").is_file()


def test_cli_new_refuses_unknown_challenges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADER_BANK", str(make_bank(tmp_path / "bank")))
    with pytest.raises(InputError, match="unknown challenge 'lru-kache'"):
        CliRunner().invoke(
            cli,
            ["assessment", "new", "x", "--challenge", "lru-kache", "--out", str(tmp_path / "a.toml")],
            standalone_mode=False,
            catch_exceptions=False,
        )


def test_descriptions_are_held_back_until_their_day(tmp_path: Path) -> None:
    text = VALID.replace(
        'feedback_audience = "reviewer"', 'hidden_feedback = "descriptions"\ndescriptions_from = 2027-01-15'
    )
    assessment = load_assessment(write(tmp_path, text))
    assert assessment.hidden_feedback_on(datetime.date(2027, 1, 14)) is HiddenFeedback.COUNTS
    assert assessment.hidden_feedback_on(datetime.date(2027, 1, 15)) is HiddenFeedback.DESCRIPTIONS
    again = load_assessment(write(tmp_path, render_assessment_toml(assessment)))
    assert again == assessment
    assert parse_assessment(assessment.to_dict(), tmp_path) == assessment  # as a batch stores it


def test_counts_only_stays_counts_only(tmp_path: Path) -> None:
    assessment = load_assessment(write(tmp_path, "hidden_feedback = 'counts'\n" + VALID))
    assert assessment.hidden_feedback_on(datetime.date(2100, 1, 1)) is HiddenFeedback.COUNTS
