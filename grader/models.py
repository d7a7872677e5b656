"""The typed result model. Dicts appear only at the JSON edge (`to_dict`/`from_dict`)."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.errors import InputError

SCHEMA_VERSION = 1


class Outcome(enum.StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    MEMORY = "memory"
    # The worker reported that the grader's code in its process changed during the test.
    TAMPERED = "tampered"


class GradeStatus(enum.StrEnum):
    GRADED = "graded"
    ERROR = "error"


class Audience(enum.StrEnum):
    REVIEWER = "reviewer"
    CANDIDATE = "candidate"


class HiddenFeedback(enum.StrEnum):
    """How much of the hidden suite a candidate sees: the counts, or also each test's public
    description with passed or not (never its name, inputs, messages or output)."""

    COUNTS = "counts"
    DESCRIPTIONS = "descriptions"


class Suite(enum.StrEnum):
    HIDDEN = "hidden"
    VISIBLE = "visible"


@dataclass(frozen=True, slots=True)
class Timing:
    """A performance test's measurement: harness-side seconds against its bound."""

    elapsed_s: float
    bound_s: float


@dataclass(frozen=True, slots=True)
class TestResult:
    __test__ = False  # not a pytest test class, whatever its name

    id: str
    outcome: Outcome
    weight: float = 1.0
    duration_s: float = 0.0
    message: str = ""
    falsifying_example: str | None = None
    output: str = ""
    timing: Timing | None = None
    # Public, written for candidates: the first line of the test's docstring ("" when it has none).
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "outcome": self.outcome.value,
            "weight": self.weight,
            "duration_s": round(self.duration_s, 4),
            "message": self.message,
            "falsifying_example": self.falsifying_example,
            "output": self.output,
            "timing": None
            if self.timing is None
            else {"elapsed_s": self.timing.elapsed_s, "bound_s": self.timing.bound_s},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TestResult:
        timing = data.get("timing")
        return cls(
            id=_field(data, "id", str),
            outcome=_enum(data, "outcome", Outcome),
            weight=float(_field(data, "weight", (int, float))),
            duration_s=float(_field(data, "duration_s", (int, float))),
            message=_field(data, "message", str),
            falsifying_example=_optional(data, "falsifying_example", str),
            output=str(data.get("output", "")),
            timing=None if timing is None else Timing(float(timing["elapsed_s"]), float(timing["bound_s"])),
            description=str(data.get("description", "")),
        )


@dataclass(frozen=True, slots=True)
class GradeResult:
    challenge: str
    suite: Suite
    submission_sha256: str
    status: GradeStatus
    score: float
    max_score: float
    percent: float
    tests: tuple[TestResult, ...]
    sandbox: Mapping[str, Any]
    grader_version: str
    started_at: str
    finished_at: str
    error: str | None = None
    title: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def full_marks(self) -> bool:
        return self.status is GradeStatus.GRADED and self.max_score > 0 and self.score == self.max_score

    def count(self, outcome: Outcome) -> int:
        return sum(1 for test in self.tests if test.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "challenge": self.challenge,
            "title": self.title,
            "suite": self.suite.value,
            "submission_sha256": self.submission_sha256,
            "status": self.status.value,
            "score": self.score,
            "max_score": self.max_score,
            "percent": self.percent,
            "tests": [test.to_dict() for test in self.tests],
            "sandbox": dict(self.sandbox),
            "grader_version": self.grader_version,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GradeResult:
        if not isinstance(data, Mapping):
            raise InputError("result is not a JSON object")
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise InputError(f"schema_version {version!r} is not supported (expected {SCHEMA_VERSION})")
        tests = _field(data, "tests", list)
        try:
            parsed_tests = tuple(TestResult.from_dict(test) for test in tests)
        except (InputError, KeyError, TypeError, ValueError) as exc:
            raise InputError(f"tests: malformed entry ({exc})") from exc
        return cls(
            challenge=_field(data, "challenge", str),
            title=str(data.get("title", "")),
            suite=Suite(data.get("suite", "hidden")),
            submission_sha256=_field(data, "submission_sha256", str),
            status=_enum(data, "status", GradeStatus),
            score=float(_field(data, "score", (int, float))),
            max_score=float(_field(data, "max_score", (int, float))),
            percent=float(_field(data, "percent", (int, float))),
            tests=parsed_tests,
            sandbox=_field(data, "sandbox", dict),
            grader_version=_field(data, "grader_version", str),
            started_at=_field(data, "started_at", str),
            finished_at=_field(data, "finished_at", str),
            error=_optional(data, "error", str),
            extra=data.get("extra") or {},
        )


def _field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise InputError(f"missing field {name!r}")
    value = data[name]
    if not isinstance(value, kind) or (kind in ((int, float),) and isinstance(value, bool)):
        raise InputError(f"field {name!r} has the wrong type")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"field {name!r} is not a finite number")
    return value


def _optional(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if value is not None and not isinstance(value, kind):
        raise InputError(f"field {name!r} has the wrong type")
    return value


def _enum(data: Mapping[str, Any], name: str, kind: type[enum.StrEnum]) -> Any:
    value = _field(data, name, str)
    try:
        return kind(value)
    except ValueError as exc:
        raise InputError(f"field {name!r} has unknown value {value!r}") from exc
