"""Where the challenge bank and the report templates are, in a checkout and in an installed wheel.

The repository keeps them at the top (`challenges/`, `templates/`, where authors look for them);
the wheel carries copies inside the package (`grader/_bundled/`, written by `setup.py` at build
time). A checkout's own folders win, so an editable install always reads what is being edited.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

BANK_ENV = "GRADER_BANK"
_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parent


def _bundled(name: str) -> Path:
    # A wheel is installed as files, so the traversable is a real folder the harness and Docker can use.
    return Path(str(resources.files("grader") / "_bundled" / name))


def _shipped(name: str) -> Path:
    in_checkout = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and in_checkout.is_dir():
        return in_checkout
    return _bundled(name)


def default_bank_dir() -> Path:
    """The bank that ships with the grader."""
    return _shipped("challenges")


def bank_dir() -> Path:
    """The bank in use: $GRADER_BANK (set by `grader --bank DIR`) or the bank that ships with the grader."""
    configured = os.environ.get(BANK_ENV)
    return Path(configured).resolve() if configured else default_bank_dir()


def templates_dir() -> Path:
    return _shipped("templates")
