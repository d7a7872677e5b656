"""The grader -> harness contract: one typed, frozen spec, written as JSON by the grader and read
back by the harness process (`python -m grader.harness.runner SPEC.json`).

Standard library and `grader.sandbox.base` only: the grader imports this without pytest.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import HarnessError
from grader.sandbox.base import Backend, Limits

HARNESS_SPEC_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class HarnessSpec:
    """One grading of one suite: what to run, against what, where, and where to write the verdicts."""

    suite_dir: Path
    submission_dir: Path
    entry: str
    limits: Limits
    max_examples: int
    backend: Backend
    run_id: str
    out: Path
    image: str | None = None
    driver_dir: Path | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    pytest_args: tuple[str, ...] = ()
    shrink: bool = True
    # The grader's PostgreSQL cluster (its folder), for a Django challenge on PostgreSQL.
    database_dir: Path | None = None

    @property
    def driver_module(self) -> str | None:
        """The driver is always `driver.py` at the top of the challenge's driver folder."""
        return "driver" if self.driver_dir is not None else None

    def to_json(self) -> str:
        return json.dumps(
            {
                "schema_version": HARNESS_SPEC_SCHEMA_VERSION,
                "suite_dir": str(self.suite_dir),
                "submission_dir": str(self.submission_dir),
                "entry": self.entry,
                "limits": self.limits.to_dict(),
                "max_examples": self.max_examples,
                "backend": self.backend.value,
                "run_id": self.run_id,
                "out": str(self.out),
                "image": self.image,
                "driver_dir": None if self.driver_dir is None else str(self.driver_dir),
                "labels": dict(self.labels),
                "pytest_args": list(self.pytest_args),
                "shrink": self.shrink,
                "database_dir": None if self.database_dir is None else str(self.database_dir),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> HarnessSpec:
        try:
            data: dict[str, Any] = json.loads(text)
            if data.pop("schema_version", None) != HARNESS_SPEC_SCHEMA_VERSION:
                raise HarnessError("harness spec: unknown schema version")
            driver = data.pop("driver_dir")
            database = data.pop("database_dir")
            return cls(
                suite_dir=Path(data.pop("suite_dir")),
                submission_dir=Path(data.pop("submission_dir")),
                limits=Limits(**data.pop("limits")),
                backend=Backend(data.pop("backend")),
                out=Path(data.pop("out")),
                driver_dir=None if driver is None else Path(driver),
                database_dir=None if database is None else Path(database),
                labels=dict(data.pop("labels")),
                pytest_args=tuple(data.pop("pytest_args")),
                **data,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise HarnessError(f"harness spec: malformed ({exc})") from None

    @classmethod
    def load(cls, path: Path) -> HarnessSpec:
        return cls.from_json(path.read_text(encoding="utf-8"))
