# alternative: csv.reader + column indexes, manual BOM strip, exists() and create() per row in an atomic method
"""import-users-command: index-based rows, a per-row existence check, a set of emails for the dry run."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core import validators
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from members.models import Member


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


class Command(BaseCommand):
    help = "Import members from CSV."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path)
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, source: Path, dry_run: bool, **options):
        if not source.is_file():
            raise CommandError(f"{source} does not exist")
        text = source.read_bytes().decode("utf-8")
        if text.startswith("\ufeff"):
            text = text[1:]
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        while header == []:  # empty lines before the header
            header = next(reader, None)
        header = [cell.strip() for cell in header or []]
        if header.count("email") != 1 or header.count("name") != 1:
            raise CommandError("header must contain the columns 'email' and 'name', once each")
        at_email, at_name = header.index("email"), header.index("name")
        created, skipped, invalid = self._import(reader, at_email, at_name, dry_run)
        self.stdout.write(f"created={created} skipped={skipped} invalid={invalid}")

    @transaction.atomic
    def _import(self, reader, at_email: int, at_name: int, dry_run: bool) -> tuple[int, int, int]:
        created = skipped = invalid = 0
        seen: set[str] = set()
        for cells in reader:
            if not cells:
                continue
            email, name = _cell(cells, at_email).lower(), _cell(cells, at_name)
            try:
                validators.validate_email(email)
                validators.MaxLengthValidator(254)(email)
                if not name:
                    raise ValidationError("empty name")
                validators.MaxLengthValidator(200)(name)
            except ValidationError as exc:
                invalid += 1
                self.stderr.write(f"line {reader.line_num}: {'; '.join(exc.messages)}")
                continue
            if email in seen or Member.objects.filter(email=email).exists():
                skipped += 1
                continue
            seen.add(email)
            created += 1
            if not dry_run:
                Member.objects.create(email=email, name=name)
        return created, skipped, invalid
