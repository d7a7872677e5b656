"""Driver for import-users-command, run in the worker next to the submission.

The app package `members` next to this file registers the submission's `Command` as the
management command `import_users` (members/management/commands/import_users.py re-exports
`solution.Command`).

Two ways in. `run_import()` only writes the test's CSV text to a temporary file, runs the command
through `call_command` with StringIO streams, and reports what the command itself produced: the
exception (class name and message) if one escaped, and the text written to stdout and stderr. The
hidden tests load the members beforehand, install any fault in the database and read the table
afterwards from outside the worker, on the grader's PostgreSQL server. `run_import_scenario()`
also empties the table, loads the given members and reads the table back in this process: the
visible examples use it, in the grader and in the candidate's hand-out (SQLite) alike.
The expected values live in the tests.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from typing import Any

import djangokit

djangokit.setup("members")

import solution  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import BaseCommand  # noqa: E402
from members.models import Member  # noqa: E402


def command_info() -> dict[str, Any]:
    """What `solution.Command` is: its class names (MRO) and whether it is a BaseCommand."""
    cls = getattr(solution, "Command", None)
    is_class = isinstance(cls, type)
    return {
        "is_base_command": bool(is_class and issubclass(cls, BaseCommand)),
        "mro": [c.__name__ for c in cls.__mro__] if is_class else [],
    }


def run_import(csv_text: str | None = None, dry_run: bool = False, argv_style: bool = False) -> dict[str, Any]:
    """Run `import_users PATH [--dry-run]` on a file holding `csv_text` encoded as UTF-8, byte for byte
    (None: the path names no file). `argv_style`: pass "--dry-run" as a command-line word instead of
    the keyword dry_run=True.

    Returns {"raised": class name or None, "message": str or None, "stdout": str, "stderr": str}.
    """
    directory = tempfile.mkdtemp(prefix="import-users-")
    path = os.path.join(directory, "members.csv")
    if csv_text is not None:
        with open(path, "wb") as handle:
            handle.write(csv_text.encode("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    args: list[Any] = [path]
    kwargs: dict[str, Any] = {"stdout": out, "stderr": err}
    if dry_run:
        if argv_style:
            args.append("--dry-run")
        else:
            kwargs["dry_run"] = True
    raised = message = None
    try:
        call_command("import_users", *args, **kwargs)
    except Exception as exc:  # the class name and message are the observation
        raised, message = type(exc).__name__, str(exc)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    return {"raised": raised, "message": message, "stdout": out.getvalue(), "stderr": err.getvalue()}


def run_import_scenario(
    csv_text: str | None = None,
    existing: list[dict[str, Any]] | tuple = (),
    dry_run: bool = False,
    argv_style: bool = False,
) -> dict[str, Any]:
    """`run_import` on a table holding exactly the members `existing` ([{"email", "name"}]), plus
    "members": [[email, name], ...] sorted, read back here afterwards (the visible examples)."""
    djangokit.reset_tables(Member)
    djangokit.load(Member, [{"email": m["email"], "name": m["name"]} for m in existing])
    obs = run_import(csv_text, dry_run=dry_run, argv_style=argv_style)
    obs["members"] = sorted([m.email, m.name] for m in Member.objects.all())
    return obs
