"""Click commands for batch grading (placeholder until the batch feature lands)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add the batch commands to the main `grader` group."""
