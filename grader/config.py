"""Project defaults from `grader.toml` (or `[tool.grader]` in `pyproject.toml`), read from the
current folder; `GRADER_CONFIG` names another file. Command-line options win over it.

    bank = "our-bank"        # like --bank / GRADER_BANK
    sandbox = "docker"       # --sandbox of grade, test, verify, batch
    image = "grader-sandbox:abc"
    jobs = 2                 # --jobs of verify, batch, bench
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import InputError
from grader.sandbox.base import Backend

CONFIG_ENV = "GRADER_CONFIG"
CONFIG_FILE = "grader.toml"
_KEYS = {"bank", "sandbox", "image", "jobs"}


@dataclass(frozen=True, slots=True)
class Config:
    source: Path | None = None
    bank: Path | None = None
    sandbox: Backend | None = None
    image: str | None = None
    jobs: int | None = None

    def option_defaults(self) -> dict[str, Any]:
        """{option name: value} for the options this config sets."""
        values = {"sandbox": self.sandbox.value if self.sandbox else None, "image": self.image, "jobs": self.jobs}
        return {name: value for name, value in values.items() if value is not None}


def load_config(folder: Path | None = None, environ: Mapping[str, str] = os.environ) -> Config:
    """The config that applies in `folder` (default: the current one); an empty Config if none."""
    folder = folder or Path.cwd()
    explicit = environ.get(CONFIG_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise InputError(f"{path}: {CONFIG_ENV} names no file")
        return parse_config(_read(path), path)
    if (folder / CONFIG_FILE).is_file():
        return parse_config(_read(folder / CONFIG_FILE), folder / CONFIG_FILE)
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        section = _read(pyproject).get("tool", {}).get("grader")
        if isinstance(section, dict):
            return parse_config(section, pyproject)
    return Config()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML file ({exc})") from None


def parse_config(data: Mapping[str, Any], source: Path) -> Config:
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise InputError(f"{source}: unknown grader setting {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})")
    bank = data.get("bank")
    sandbox = data.get("sandbox")
    image = data.get("image")
    jobs = data.get("jobs")
    if bank is not None and not isinstance(bank, str):
        raise InputError(f"{source}: 'bank' must be a folder path")
    if sandbox is not None and sandbox not in {b.value for b in Backend}:
        raise InputError(f"{source}: 'sandbox' must be one of {', '.join(b.value for b in Backend)}")
    if image is not None and not isinstance(image, str):
        raise InputError(f"{source}: 'image' must be an image tag")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= 64):
        raise InputError(f"{source}: 'jobs' must be a whole number from 1 to 64")
    return Config(
        source=source,
        bank=(source.parent / bank).resolve() if bank else None,
        sandbox=Backend(sandbox) if sandbox else None,
        image=image,
        jobs=jobs,
    )
