"""Load and validate `challenges/<slug>/`.

Every problem is reported as one line naming the file and the field.
"""

from __future__ import annotations

import difflib
import enum
import hashlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import ChallengeError
from grader.resources import bank_dir
from grader.sandbox.base import Limits
from grader.submission import ModuleRules, reserved_module_names, top_level_modules

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Kind(enum.StrEnum):
    PYTHON = "python"
    DJANGO = "django"


class Database(enum.StrEnum):
    """Where a Django challenge's models live: in-process SQLite, or the grader's PostgreSQL server."""

    NONE = "none"
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


class Difficulty(enum.StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


@dataclass(frozen=True, slots=True)
class EquivalentMutant:
    """A mutant that cannot be told apart from the reference, with the reason why."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Challenge:
    slug: str
    title: str
    root: Path
    seed_section: str
    seed_question: int
    difficulty: Difficulty
    tags: tuple[str, ...]
    kind: Kind
    entry: str
    limits: Limits
    hidden_dir: Path
    visible_dir: Path
    driver_dir: Path | None
    max_examples: int
    equivalent_mutants: tuple[EquivalentMutant, ...] = ()
    database: Database = Database.NONE

    @property
    def on_postgresql(self) -> bool:
        return self.database is Database.POSTGRESQL

    @property
    def prompt_path(self) -> Path:
        return self.root / "prompt.md"

    @property
    def stub_dir(self) -> Path:
        return self.root / "stub"

    @property
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def wrong_dir(self) -> Path:
        return self.root / "wrong"

    @property
    def alternatives_dir(self) -> Path:
        return self.root / "alternatives"

    def module_rules(self) -> ModuleRules:
        """The entry module a submission must provide, and the names it may not use (the driver's among them)."""
        driver_names = (
            top_level_modules(
                p.relative_to(self.driver_dir).as_posix() for p in self.driver_dir.rglob("*") if p.is_file()
            )
            if self.driver_dir
            else {}
        )
        return ModuleRules(self.entry, reserved_module_names(driver_names))

    def digest(self) -> str:
        """sha256 over every file that decides a grade (tests, driver, toml)."""
        digest = hashlib.sha256()
        folders = [self.hidden_dir, self.visible_dir] + ([self.driver_dir] if self.driver_dir else [])
        files = [self.root / "challenge.toml"]
        for folder in folders:
            files += sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(self.root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
        return digest.hexdigest()


_TOP_KEYS = {
    "slug", "title", "difficulty", "tags", "kind", "entry", "driver", "database",
    "seed", "limits", "suites", "hypothesis", "equivalent_mutants",
}  # fmt: skip
_LIMIT_KEYS = {"call_seconds", "suite_seconds", "memory_mb", "pids", "file_mb", "cpus"}


def load_challenge(root: Path) -> Challenge:
    """Read and validate one challenge folder."""
    # Absolute, so that paths derived from the toml (suites, driver) and the root compare.
    root = root.resolve()
    toml_path = root / "challenge.toml"
    if not toml_path.is_file():
        raise ChallengeError(f"{toml_path}: file not found")
    try:
        data = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChallengeError(f"{toml_path}: invalid TOML: {exc}") from exc
    return parse_challenge(data, root, toml_path)


def parse_challenge(data: Mapping[str, Any], root: Path, source: Path) -> Challenge:
    """Validate the parsed challenge.toml; `source` names the file in errors."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ChallengeError(f"{source}: unknown field {unknown[0]!r}")
    slug = _get(data, "slug", str, source)
    if not SLUG_PATTERN.match(slug):
        raise ChallengeError(f"{source}: field 'slug' must be lower-case words joined by '-'")
    if slug != root.name:
        raise ChallengeError(f"{source}: field 'slug' is {slug!r} but the folder is {root.name!r}")
    title = _get(data, "title", str, source)
    if not title.strip():
        raise ChallengeError(f"{source}: field 'title' is empty")
    seed = _get(data, "seed", dict, source)
    section = _get(seed, "section", str, source, "seed.section")
    question = _get(seed, "question", int, source, "seed.question")
    if question < 1:
        raise ChallengeError(f"{source}: field 'seed.question' must be >= 1")
    difficulty = _get_enum(data, "difficulty", Difficulty, source)
    tags = _get(data, "tags", list, source, default=[])
    if not all(isinstance(tag, str) for tag in tags):
        raise ChallengeError(f"{source}: field 'tags' must be a list of strings")
    kind = _get_enum(data, "kind", Kind, source, default="python")
    entry = _get(data, "entry", str, source, default="solution")
    if not MODULE_PATTERN.match(entry):
        raise ChallengeError(f"{source}: field 'entry' must be a module name")
    driver_name = _get(data, "driver", str, source, default="")
    driver_dir = None
    if driver_name:
        driver_dir = _subdir(root, driver_name, source, "driver")
    elif kind is Kind.DJANGO:
        raise ChallengeError(f"{source}: field 'driver' is required for kind 'django'")
    database = _get_enum(data, "database", Database, source, default="none" if kind is Kind.PYTHON else "sqlite")
    if database is not Database.NONE and kind is not Kind.DJANGO:
        raise ChallengeError(f"{source}: field 'database' is for kind 'django' only")
    if database is Database.NONE and kind is Kind.DJANGO:
        raise ChallengeError(f"{source}: field 'database' must be 'sqlite' or 'postgresql' for kind 'django'")
    limits = _parse_limits(_get(data, "limits", dict, source, default={}), source)
    suites = _get(data, "suites", dict, source, default={})
    hidden_dir = _subdir(
        root,
        _get(suites, "hidden", str, source, "suites.hidden", "tests/hidden"),
        source,
        "suites.hidden",
    )
    visible_dir = _subdir(
        root,
        _get(suites, "visible", str, source, "suites.visible", "tests/visible"),
        source,
        "suites.visible",
    )
    hypothesis = _get(data, "hypothesis", dict, source, default={})
    max_examples = _get(hypothesis, "max_examples", int, source, "hypothesis.max_examples", 100)
    if not 1 <= max_examples <= 10_000:
        raise ChallengeError(f"{source}: field 'hypothesis.max_examples' must be in 1..10000")
    mutants = []
    for index, item in enumerate(_get(data, "equivalent_mutants", list, source, default=[])):
        label = f"equivalent_mutants[{index}]"
        if not isinstance(item, dict):
            raise ChallengeError(f"{source}: field '{label}' must be a table")
        mutant_id = _get(item, "id", str, source, f"{label}.id")
        reason = _get(item, "reason", str, source, f"{label}.reason")
        if not reason.strip():
            raise ChallengeError(f"{source}: field '{label}.reason' is empty")
        mutants.append(EquivalentMutant(mutant_id, reason))
    return Challenge(
        slug=slug,
        title=title,
        root=root,
        seed_section=section,
        seed_question=question,
        difficulty=difficulty,
        tags=tuple(tags),
        kind=kind,
        entry=entry,
        limits=limits,
        hidden_dir=hidden_dir,
        visible_dir=visible_dir,
        driver_dir=driver_dir,
        max_examples=max_examples,
        equivalent_mutants=tuple(mutants),
        database=database,
    )


def _parse_limits(data: Mapping[str, Any], source: Path) -> Limits:
    unknown = sorted(set(data) - _LIMIT_KEYS)
    if unknown:
        raise ChallengeError(f"{source}: unknown field 'limits.{unknown[0]}'")
    defaults = Limits()
    values: dict[str, Any] = {}
    bounds = {
        "call_seconds": (0.1, 600.0), "suite_seconds": (1.0, 3600.0), "memory_mb": (32, 8192),
        "pids": (8, 4096), "file_mb": (1, 1024), "cpus": (0.1, 8.0),
    }  # fmt: skip
    for name, (low, high) in bounds.items():
        if name not in data:
            continue
        value = data[name]
        is_int_field = isinstance(getattr(defaults, name), int)
        valid_type = isinstance(value, int) if is_int_field else isinstance(value, (int, float))
        if isinstance(value, bool) or not valid_type:
            raise ChallengeError(f"{source}: field 'limits.{name}' must be a number")
        if not low <= value <= high:
            raise ChallengeError(f"{source}: field 'limits.{name}' must be in {low}..{high}")
        values[name] = value
    return Limits(**{**defaults.to_dict(), **values})


def _get(
    data: Mapping[str, Any],
    key: str,
    kind: type,
    source: Path,
    label: str | None = None,
    default: Any = None,
) -> Any:
    label = label or key
    if key not in data:
        if default is not None:
            return default
        raise ChallengeError(f"{source}: missing field {label!r}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ChallengeError(f"{source}: field {label!r} must be of type {kind.__name__}")
    return value


def _get_enum(
    data: Mapping[str, Any],
    key: str,
    kind: type[enum.StrEnum],
    source: Path,
    default: str | None = None,
) -> Any:
    value = _get(data, key, str, source, default=default)
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ChallengeError(f"{source}: field {key!r} must be one of {allowed}") from None


def _subdir(root: Path, relative: str, source: Path, label: str) -> Path:
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ChallengeError(f"{source}: field {label!r} points outside the challenge folder")
    if not path.is_dir():
        raise ChallengeError(f"{source}: field {label!r}: folder {relative!r} not found")
    return path


def discover(root: Path | None = None) -> list[Path]:
    base = root or bank_dir()
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.is_dir() and (p / "challenge.toml").exists())


def load_all(root: Path | None = None) -> list[Challenge]:
    return [load_challenge(path) for path in discover(root)]


def find_challenge(slug: str, root: Path | None = None) -> Challenge:
    base = root or bank_dir()
    path = base / slug
    if not SLUG_PATTERN.match(slug) or not (path / "challenge.toml").is_file():
        known = [p.name for p in discover(base)]
        close = suggest(slug, known)
        hint = f"did you mean {close}?" if close else "known: " + (", ".join(known) or "none")
        raise ChallengeError(f"unknown challenge {slug!r} ({hint})")
    return load_challenge(path)


def suggest(name: str, known: Sequence[str]) -> str | None:
    """The known slug a mistyped `name` most likely meant (`lru`, `lru_cache` -> `lru-cache`), if any."""
    cleaned = name.strip().strip("/").lower().replace("_", "-").replace(" ", "-")
    if cleaned in known:
        return cleaned
    starts = [k for k in known if k.startswith(cleaned) or cleaned.startswith(k)] if cleaned else []
    if len(starts) == 1:
        return starts[0]
    close = difflib.get_close_matches(cleaned, known, n=1, cutoff=0.6)
    return close[0] if close else None
