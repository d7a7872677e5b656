"""The `grader` command line: click commands over the API; imports everything, imported by nothing."""

from grader.cli.main import cli, main

__all__ = ["cli", "main"]
