# wrong: creates the members one by one without transaction.atomic(), so a database error leaves the rows before it
# max-percent: 90
"""import-users-command: a wrong variant (see the header), otherwise like the reference."""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from members.models import Member

REQUIRED = ("email", "name")
CHUNK = 500  # stay below SQLite's limit on query parameters


def _clean(value: str | None) -> str:
    return (value or "").strip()


def _problem(email: str, name: str) -> str | None:
    """Why a row cannot be imported, or None when it can."""
    if not email:
        return "missing email"
    try:
        validate_email(email)
    except ValidationError:
        return f"invalid email {email!r}"
    if not name:
        return "empty name"
    return None


class Command(BaseCommand):
    help = "Import members from a UTF-8 CSV file whose header has the columns email and name."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file to read")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, write nothing")

    def handle(self, *args, **options):
        rows, invalid = self._read(options["path"])
        emails = [email for _, email, _ in rows]
        stored: set[str] = set()
        for start in range(0, len(emails), CHUNK):
            chunk = emails[start : start + CHUNK]
            stored.update(Member.objects.filter(email__in=chunk).values_list("email", flat=True))
        new: dict[str, Member] = {}
        skipped = 0
        for _, email, name in rows:
            if email in stored or email in new:
                skipped += 1
            else:
                new[email] = Member(email=email, name=name)
                if not options["dry_run"]:
                    new[email].save()
        self.stdout.write(f"created={len(new)} skipped={skipped} invalid={invalid}")

    def _read(self, path: str) -> tuple[list[tuple[int, str, str]], int]:
        """The importable rows as (line, email, name), and the number of invalid rows (reported)."""
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                header = reader.fieldnames or []
                missing = [column for column in REQUIRED if column not in header]
                if missing:
                    raise CommandError(f"{path}: the header has no column {', '.join(missing)}")
                rows, invalid = [], 0
                for row in reader:
                    email, name = _clean(row.get("email")).lower(), _clean(row.get("name"))
                    problem = _problem(email, name)
                    if problem is None:
                        rows.append((reader.line_num, email, name))
                    else:
                        invalid += 1
                        self.stderr.write(f"line {reader.line_num}: {problem}")
                return rows, invalid
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8: {exc}") from exc
