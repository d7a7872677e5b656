# wrong: maps the header with a dict (as csv.DictReader does): a column named twice uses its last cell, no CommandError
# max-percent: 95
"""import-users-command: a wrong variant (see the header), otherwise like the reference."""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from members.models import Member

REQUIRED = ("email", "name")
CHUNK = 500  # keep each email__in lookup to a modest number of parameters
EMAIL_MAX = Member._meta.get_field("email").max_length  # 254
NAME_MAX = Member._meta.get_field("name").max_length  # 200


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _problem(email: str, name: str) -> str | None:
    """Why a row cannot be imported, or None when it can."""
    try:
        validate_email(email)
    except ValidationError:
        return f"missing or invalid email {email!r}"
    if len(email) > EMAIL_MAX:
        return f"email longer than {EMAIL_MAX} characters"
    if not name:
        return "empty name"
    if len(name) > NAME_MAX:
        return f"name longer than {NAME_MAX} characters"
    return None


def _columns(header: list[str] | None, path: str) -> dict[str, int]:
    """Where the email and name columns are; CommandError when the header lacks or repeats one."""
    if header is None:
        raise CommandError(f"{path}: no header line")
    where = {cell.strip(): index for index, cell in enumerate(header)}
    missing = [column for column in REQUIRED if column not in where]
    if missing:
        raise CommandError(f"{path}: the header has no column {', '.join(missing)}")
    return {column: where[column] for column in REQUIRED}


class Command(BaseCommand):
    help = "Import members from a UTF-8 CSV file whose header has the columns email and name."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the CSV file to read")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen, write nothing")

    def handle(self, *args, **options):
        rows, invalid = self._read(options["path"])
        with transaction.atomic():
            emails = [email for email, _ in rows]
            stored: set[str] = set()
            for start in range(0, len(emails), CHUNK):
                chunk = emails[start : start + CHUNK]
                stored.update(Member.objects.filter(email__in=chunk).values_list("email", flat=True))
            new: dict[str, Member] = {}
            skipped = 0
            for email, name in rows:
                if email in stored or email in new:
                    skipped += 1
                else:
                    new[email] = Member(email=email, name=name)
            if not options["dry_run"]:
                Member.objects.bulk_create(list(new.values()))
        self.stdout.write(f"created={len(new)} skipped={skipped} invalid={invalid}")

    def _read(self, path: str) -> tuple[list[tuple[str, str]], int]:
        """The importable rows as (email, name), and the number of invalid rows (each reported)."""
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                at = _columns(next((cells for cells in reader if cells), None), path)
                rows, invalid = [], 0
                for cells in reader:
                    if not cells:
                        continue
                    email, name = _cell(cells, at["email"]).lower(), _cell(cells, at["name"])
                    problem = _problem(email, name)
                    if problem is None:
                        rows.append((email, name))
                    else:
                        invalid += 1
                        self.stderr.write(f"line {reader.line_num}: {problem}")
                return rows, invalid
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
