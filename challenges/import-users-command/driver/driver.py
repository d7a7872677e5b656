"""Driver for import-users-command, run in the worker next to the submission.

The app package `members` next to this file registers the submission's `Command`
as the management command `import_users` (members/management/commands/import_users.py
re-exports `solution.Command`). Each scenario starts from exactly the members the
test gives, writes the test's CSV text to a temporary file, runs the command through
`call_command` with StringIO streams, and reports what came out: the exception (class
name and message) if one escaped, the text written to stdout and stderr, and the
members in the table afterwards. The import runs in autocommit mode and really
commits, so a partial import stays visible. The expected values live in the tests.
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
from django.db import OperationalError, connection  # noqa: E402
from members.models import Member  # noqa: E402

_WRITES = ("INSERT", "UPDATE", "REPLACE")


def _flat(params: Any, many: bool) -> list[str]:
    if params is None:
        return []
    if many:
        return [str(value) for group in params for value in (group or ())]
    if isinstance(params, dict):
        return [str(value) for value in params.values()]
    return [str(value) for value in params]


class _Poison:
    """execute_wrapper: a write statement carrying `email` as a parameter fails, as a broken disk would."""

    def __init__(self, email: str | None) -> None:
        self.email = email
        self.fired = 0

    def __call__(self, execute, sql, params, many, context):
        is_write = str(sql).lstrip().upper().startswith(_WRITES)
        if self.email is not None and is_write and (self.email in _flat(params, many) or self.email in str(sql)):
            self.fired += 1
            raise OperationalError("disk I/O error (injected by the grader)")
        return execute(sql, params, many, context)


def command_info() -> dict[str, Any]:
    """What `solution.Command` is: its class names (MRO) and whether it is a BaseCommand."""
    cls = getattr(solution, "Command", None)
    is_class = isinstance(cls, type)
    return {
        "is_base_command": bool(is_class and issubclass(cls, BaseCommand)),
        "mro": [c.__name__ for c in cls.__mro__] if is_class else [],
    }


def run_import(
    csv_text: str | None = None,
    existing: list[dict[str, Any]] | tuple = (),
    dry_run: bool = False,
    argv_style: bool = False,
    fail_on_email: str | None = None,
) -> dict[str, Any]:
    """Run `import_users PATH [--dry-run]` on a file holding `csv_text` encoded as UTF-8, byte for byte
    (None: the path names no file). `existing`: member rows [{"email", "name"}] present before.
    `argv_style`: pass "--dry-run" as a command-line word instead of the keyword dry_run=True.
    `fail_on_email`: any INSERT/UPDATE carrying that email as a parameter raises OperationalError.

    Returns {"raised": class name or None, "message": str or None, "stdout": str, "stderr": str,
    "members": [[email, name], ...] sorted, "poison_fired": int, "in_atomic": bool}.
    """
    djangokit.reset_tables(Member)
    djangokit.load(Member, [{"email": m["email"], "name": m["name"]} for m in existing])
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
    poison = _Poison(fail_on_email)
    raised = message = None
    try:
        with connection.execute_wrapper(poison):
            call_command("import_users", *args, **kwargs)
    except Exception as exc:  # the class name and message are the observation
        raised, message = type(exc).__name__, str(exc)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    in_atomic = bool(connection.in_atomic_block)
    members = sorted([m.email, m.name] for m in Member.objects.all())
    return {
        "raised": raised,
        "message": message,
        "stdout": out.getvalue(),
        "stderr": err.getvalue(),
        "members": members,
        "poison_fired": poison.fired,
        "in_atomic": in_atomic,
    }
