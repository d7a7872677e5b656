"""What every command family shares: output helpers, the exit-code epilog, the sandbox options."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.shell_completion import CompletionItem

from grader import api
from grader.errors import InputError
from grader.models import HiddenFeedback

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0  graded (whatever the score) / all checks passed
  1  verification failed (grader verify)
  2  usage or input error (bad option, challenge.toml, submission, result file)
  3  sandbox or infrastructure error (no Docker engine, no image, harness failure)"""

LOCAL_WARNING = (
    "warning: the local sandbox does not isolate untrusted code (rlimits, a process-group kill and "
    "a temporary copy only); use --sandbox docker for submissions you did not write"
)


def out(message: str = "") -> None:
    click.echo(message)


def err(message: str) -> None:
    click.echo(message, err=True)


def sandbox_option(default: str) -> Callable[[F], F]:
    return click.option(
        "--sandbox",
        type=click.Choice(api.SANDBOXES),
        default=default,
        show_default=True,
        help="Where the submission runs.",
    )


def hidden_feedback_option() -> Callable[[F], F]:
    return click.option(
        "--hidden-feedback",
        type=click.Choice([h.value for h in HiddenFeedback]),
        default=HiddenFeedback.DESCRIPTIONS.value,
        show_default=True,
        help="What a candidate sees of the hidden suite besides the score: the counts, or also each "
        "test's public description with passed or not.",
    )


def image_option() -> Callable[[F], F]:
    return click.option(
        "--image",
        default=None,
        help="Sandbox image tag (default: the current content-addressed tag).",
    )


def sandbox_choice(sandbox: str, image: str | None) -> api.SandboxChoice:
    if sandbox == "local":
        err(LOCAL_WARNING)
    return api.SandboxChoice(backend=sandbox, image=image)


def _nearest_existing(path: Path) -> Path:
    probe = path.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    return probe


def check_output_dir(path: Path, option: str = "--out") -> Path:
    """An output folder that exists or can be made, and can be written: checked before any work.

    Without this a bad `--out` (a file, /proc, a read-only place) failed only after the grading,
    with a traceback.
    """
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: {option} must be a folder, and this is a file")
    _check_writable(_nearest_existing(path), path, option)
    return path


def check_output_file(path: Path, option: str = "--out") -> Path:
    """An output file whose folder exists or can be made, and can be written; not a folder itself."""
    if path.is_dir():
        raise InputError(f"{path}: {option} must be a file, and this is a folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path}: {option} cannot be written (permission denied)")
    _check_writable(_nearest_existing(path.parent), path, option)
    return path


def _check_writable(existing: Path, wanted: Path, option: str) -> None:
    if not existing.is_dir():
        raise InputError(f"{wanted}: {option} cannot be made ({existing} is not a folder)")
    # /proc and /sys answer access() with "yes" for root; a real write is the only honest probe.
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise InputError(f"{wanted}: {option} cannot be written ({exc.strerror or exc})") from None


def complete_slug(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completion of challenge slugs from the bank in use."""
    from grader.challenges import discover

    return [CompletionItem(path.name) for path in discover() if path.name.startswith(incomplete)]
