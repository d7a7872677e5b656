"""Assessments: which challenges a take-home holds, their points, limit overrides and feedback audience.

`assessment.toml` is the only input a hiring team writes by hand, so every problem is reported
as one line naming the file and the field (InputError, exit 2).
"""

from __future__ import annotations

import datetime
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from grader.challenges import SLUG_PATTERN, Challenge, find_challenge
from grader.errors import ChallengeError, InputError
from grader.handout import write_handout
from grader.models import Audience, HiddenFeedback
from grader.sandbox.base import Limits

ASSESSMENT_SCHEMA_VERSION = 1
DEFAULT_POINTS = 100.0
MAX_POINTS = 100_000.0
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$")
# The same bounds as a challenge's own [limits] (grader/challenges.py): an override may not
# loosen a limit past what a challenge author could write.
LIMIT_BOUNDS: Mapping[str, tuple[float, float, type]] = {
    "call_seconds": (0.1, 600.0, float),
    "suite_seconds": (1.0, 3600.0, float),
    "memory_mb": (32, 8192, int),
    "pids": (8, 4096, int),
    "file_mb": (1, 1024, int),
    "cpus": (0.1, 8.0, float),
}
_TOP_KEYS = {
    "schema_version",
    "name",
    "title",
    "feedback_audience",
    "hidden_feedback",
    "descriptions_from",
    "challenges",
}
_CHALLENGE_KEYS = {"slug", "points", "limits"}


@dataclass(frozen=True, slots=True)
class LimitOverrides:
    """Per-challenge limits that replace the challenge's own; None keeps the challenge's value."""

    call_seconds: float | None = None
    suite_seconds: float | None = None
    memory_mb: int | None = None
    pids: int | None = None
    file_mb: int | None = None
    cpus: float | None = None

    def items(self) -> tuple[tuple[str, float | int], ...]:
        pairs = ((f.name, getattr(self, f.name)) for f in fields(self))
        return tuple((name, value) for name, value in pairs if value is not None)


@dataclass(frozen=True, slots=True)
class AssessmentChallenge:
    slug: str
    points: float = DEFAULT_POINTS
    limits: LimitOverrides = LimitOverrides()


@dataclass(frozen=True, slots=True)
class Assessment:
    name: str
    challenges: tuple[AssessmentChallenge, ...]
    title: str = ""
    feedback_audience: Audience = Audience.CANDIDATE
    # What candidates see of a hidden suite besides the score; descriptions only from that day on.
    hidden_feedback: HiddenFeedback = HiddenFeedback.DESCRIPTIONS
    descriptions_from: datetime.date | None = None

    def hidden_feedback_on(self, day: datetime.date) -> HiddenFeedback:
        if self.descriptions_from is not None and day < self.descriptions_from:
            return HiddenFeedback.COUNTS
        return self.hidden_feedback

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(c.slug for c in self.challenges)

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.challenges)

    def points(self, slug: str) -> float:
        return next(c.points for c in self.challenges if c.slug == slug)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": ASSESSMENT_SCHEMA_VERSION,
            "name": self.name,
            "title": self.title,
            "feedback_audience": self.feedback_audience.value,
            "hidden_feedback": self.hidden_feedback.value,
            "descriptions_from": None if self.descriptions_from is None else self.descriptions_from.isoformat(),
            "challenges": [
                {"slug": c.slug, "points": c.points, "limits": dict(c.limits.items())} for c in self.challenges
            ],
        }


def load_assessment(path: Path) -> Assessment:
    """Read and validate an assessment.toml."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: invalid TOML: {exc}") from None
    return parse_assessment(data, path)


def parse_assessment(data: Mapping[str, Any], source: Path) -> Assessment:
    """Validate parsed TOML; `source` names the file in errors."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise InputError(f"{source}: unknown field {unknown[0]!r}")
    version = data.get("schema_version", ASSESSMENT_SCHEMA_VERSION)
    if version != ASSESSMENT_SCHEMA_VERSION:
        raise InputError(f"{source}: field 'schema_version' must be {ASSESSMENT_SCHEMA_VERSION}")
    name = _require(data, "name", str, source, "name")
    if not NAME_PATTERN.match(name):
        raise InputError(f"{source}: field 'name' must be 1-100 letters, digits, spaces, '.', '_' or '-'")
    title = data.get("title", "")
    if not isinstance(title, str) or any(not ch.isprintable() for ch in title):
        raise InputError(f"{source}: field 'title' must be a one-line string")
    audience_text = data.get("feedback_audience", Audience.CANDIDATE.value)
    try:
        audience = Audience(audience_text)
    except ValueError:
        raise InputError(f"{source}: field 'feedback_audience' must be one of candidate, reviewer") from None
    try:
        hidden = HiddenFeedback(data.get("hidden_feedback", HiddenFeedback.DESCRIPTIONS.value))
    except ValueError:
        raise InputError(f"{source}: field 'hidden_feedback' must be one of counts, descriptions") from None
    descriptions_from = _parse_day(data.get("descriptions_from"), source)
    items = _require(data, "challenges", list, source, "challenges")
    if not items:
        raise InputError(f"{source}: field 'challenges' is empty")
    challenges = []
    for index, item in enumerate(items):
        challenges.append(_parse_challenge_entry(item, source, f"challenges[{index}]"))
    seen: set[str] = set()
    for index, entry in enumerate(challenges):
        if entry.slug in seen:
            raise InputError(f"{source}: field 'challenges[{index}].slug' repeats {entry.slug!r}")
        seen.add(entry.slug)
    return Assessment(
        name=name,
        title=title,
        feedback_audience=audience,
        hidden_feedback=hidden,
        descriptions_from=descriptions_from,
        challenges=tuple(challenges),
    )


def _parse_day(value: Any, source: Path) -> datetime.date | None:
    """A TOML date (`2027-01-15`) or its ISO text (as the batch's stored JSON keeps it)."""
    if value is None:
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InputError(f"{source}: field 'descriptions_from' must be a date (YYYY-MM-DD)")


def _parse_challenge_entry(item: Any, source: Path, label: str) -> AssessmentChallenge:
    if not isinstance(item, dict):
        raise InputError(f"{source}: field '{label}' must be a table")
    unknown = sorted(set(item) - _CHALLENGE_KEYS)
    if unknown:
        raise InputError(f"{source}: unknown field '{label}.{unknown[0]}'")
    slug = _require(item, "slug", str, source, f"{label}.slug")
    if not SLUG_PATTERN.match(slug):
        raise InputError(f"{source}: field '{label}.slug' must be lower-case words joined by '-'")
    points = item.get("points", DEFAULT_POINTS)
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not 0 < points <= MAX_POINTS:
        raise InputError(f"{source}: field '{label}.points' must be a number in (0, {MAX_POINTS:g}]")
    limits = item.get("limits", {})
    if not isinstance(limits, dict):
        raise InputError(f"{source}: field '{label}.limits' must be a table")
    return AssessmentChallenge(slug, float(points), parse_limit_overrides(limits, source, f"{label}.limits"))


def parse_limit_overrides(data: Mapping[str, Any], source: Path | str, label: str) -> LimitOverrides:
    values: dict[str, float | int] = {}
    for key, value in data.items():
        if key not in LIMIT_BOUNDS:
            raise InputError(f"{source}: unknown field '{label}.{key}'")
        low, high, kind = LIMIT_BOUNDS[key]
        valid = isinstance(value, int) if kind is int else isinstance(value, (int, float))
        if isinstance(value, bool) or not valid:
            raise InputError(f"{source}: field '{label}.{key}' must be {'an integer' if kind is int else 'a number'}")
        if not low <= value <= high:
            raise InputError(f"{source}: field '{label}.{key}' must be in {low:g}..{high:g}")
        values[key] = kind(value)
    return LimitOverrides(**values)  # type: ignore[arg-type]


def _require(data: Mapping[str, Any], key: str, kind: type, source: Path, label: str) -> Any:
    if key not in data:
        raise InputError(f"{source}: missing field {label!r}")
    value = data[key]
    if not isinstance(value, kind):
        raise InputError(f"{source}: field {label!r} must be of type {kind.__name__}")
    return value


def parse_challenge_spec(text: str) -> AssessmentChallenge:
    """`SLUG` or `SLUG:POINTS` from the command line."""
    slug, _, points_text = text.partition(":")
    if not SLUG_PATTERN.match(slug):
        raise InputError(f"--challenge {text!r}: {slug!r} is not a challenge slug")
    if not points_text:
        return AssessmentChallenge(slug)
    try:
        points = float(points_text)
    except ValueError:
        raise InputError(f"--challenge {text!r}: points must be a number") from None
    if not 0 < points <= MAX_POINTS:
        raise InputError(f"--challenge {text!r}: points must be in (0, {MAX_POINTS:g}]")
    return AssessmentChallenge(slug, points)


def parse_limit_spec(text: str) -> tuple[str, str, float]:
    """`SLUG:KEY=VALUE` from the command line (a limit override for one challenge)."""
    head, _, value_text = text.partition("=")
    slug, _, key = head.partition(":")
    if not slug or not key or not value_text:
        raise InputError(f"--limit {text!r}: expected SLUG:KEY=VALUE")
    try:
        value = float(value_text)
    except ValueError:
        raise InputError(f"--limit {text!r}: value must be a number") from None
    return slug, key, value


def new_assessment(
    name: str,
    specs: Sequence[str],
    limit_specs: Sequence[str] = (),
    audience: Audience = Audience.CANDIDATE,
    title: str = "",
) -> Assessment:
    """Build (and validate, by the same rules as a file) an assessment from command-line specs."""
    entries = [parse_challenge_spec(spec) for spec in specs]
    if not entries:
        raise InputError("an assessment needs at least one --challenge")
    overrides: dict[str, dict[str, float | int]] = {}
    for spec in limit_specs:
        slug, key, value = parse_limit_spec(spec)
        if slug not in {e.slug for e in entries}:
            raise InputError(f"--limit {spec!r}: {slug!r} is not one of the assessment's challenges")
        overrides.setdefault(slug, {})[key] = int(value) if value.is_integer() else value
    data = {
        "name": name,
        "title": title,
        "feedback_audience": audience.value,
        "challenges": [{"slug": e.slug, "points": e.points, "limits": overrides.get(e.slug, {})} for e in entries],
    }
    return parse_assessment(data, Path("<command line>"))


def render_assessment_toml(assessment: Assessment) -> str:
    """The assessment as TOML (JSON string escapes are valid TOML basic strings)."""
    lines = [
        "# Written by `grader assessment new`; edit freely, `grader batch` validates it.",
        f"schema_version = {ASSESSMENT_SCHEMA_VERSION}",
        f"name = {json.dumps(assessment.name)}",
        f"title = {json.dumps(assessment.title)}",
        "# Who `grader feedback` writes for: candidate (scores, no hidden-test detail) or reviewer.",
        f"feedback_audience = {json.dumps(assessment.feedback_audience.value)}",
        "# What candidates see of a hidden suite besides the score: counts, or descriptions (each",
        "# test's public description with passed or not); descriptions_from = YYYY-MM-DD holds them back.",
        f"hidden_feedback = {json.dumps(assessment.hidden_feedback.value)}",
    ]
    if assessment.descriptions_from is not None:
        lines.append(f"descriptions_from = {assessment.descriptions_from.isoformat()}")
    for entry in assessment.challenges:
        lines += ["", "[[challenges]]", f"slug = {json.dumps(entry.slug)}", f"points = {entry.points:g}"]
        overrides = entry.limits.items()
        if overrides:
            lines += ["[challenges.limits]"] + [f"{key} = {value!r}" for key, value in overrides]
        else:
            lines.append("# [challenges.limits] call_seconds, suite_seconds, memory_mb, pids, file_mb, cpus")
    return "\n".join(lines) + "\n"


def resolve_challenges(assessment: Assessment, root: Path | None = None) -> tuple[Challenge, ...]:
    """Load every challenge of the assessment (from `root` or the bank) with its limit overrides applied."""
    loaded = []
    for entry in assessment.challenges:
        try:
            challenge = find_challenge(entry.slug, root)
        except ChallengeError as exc:
            raise InputError(f"assessment {assessment.name!r}: {exc}") from None
        overrides = dict(entry.limits.items())
        if overrides:
            challenge = replace(challenge, limits=Limits(**{**challenge.limits.to_dict(), **overrides}))
        loaded.append(challenge)
    return tuple(loaded)


def pack_assessment(
    assessment: Assessment,
    challenges: Sequence[Challenge],
    dest: Path,
    readme: str,
) -> list[Path]:
    """Write the candidate hand-out into `dest`: one folder per challenge (grader.handout) and a README.
    Never the reference, hidden tests or wrong variants."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InputError(f"{dest}: exists and is not an empty folder")
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for challenge in challenges:
        write_handout(challenge, dest / challenge.slug)
        written.append(dest / challenge.slug)
    readme_path = dest / "README.md"
    readme_path.write_text(readme, encoding="utf-8")
    written.append(readme_path)
    return written
