"""What every command family shares: output helpers, the exit-code epilog, the sandbox options."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from grader import api

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
