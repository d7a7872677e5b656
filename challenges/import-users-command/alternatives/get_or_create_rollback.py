# alternative: one get_or_create per row inside atomic(); --dry-run really writes, then rolls the transaction back
"""import-users-command: the database decides created vs skipped; a dry run is a rolled-back real run."""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import EmailValidator
from django.db import transaction
from members.models import Member

check_email = EmailValidator()
EMAIL_MAX = Member._meta.get_field("email").max_length
NAME_MAX = Member._meta.get_field("name").max_length


class Command(BaseCommand):
    help = "Import members (email, name) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("csv_path")
        parser.add_argument("--dry-run", action="store_true", dest="dry_run")

    def handle(self, *args, **options):
        path = options["csv_path"]
        counts = {"created": 0, "skipped": 0, "invalid": 0}
        try:
            handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by the with below
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}") from None
        with handle, transaction.atomic():
            reader = csv.DictReader(handle)
            while reader.fieldnames == []:  # an empty line before the header: read the next line
                reader.fieldnames = None
            header = [cell.strip() for cell in reader.fieldnames or []]
            if header.count("email") != 1 or header.count("name") != 1:
                raise CommandError("the CSV header must name email and name once each")
            reader.fieldnames = header
            for row in reader:
                email = (row["email"] or "").strip().lower()
                name = (row["name"] or "").strip()
                if not self._valid(email) or not 0 < len(name) <= NAME_MAX:
                    counts["invalid"] += 1
                    self.stderr.write(f"Line {reader.line_num}: rejected ({email!r}, {name!r})")
                    continue
                _, created = Member.objects.get_or_create(email=email, defaults={"name": name})
                counts["created" if created else "skipped"] += 1
            if options["dry_run"]:
                transaction.set_rollback(True)
        self.stdout.write("created={created} skipped={skipped} invalid={invalid}".format(**counts))

    @staticmethod
    def _valid(email: str) -> bool:
        try:
            check_email(email)
        except ValidationError:
            return False
        return len(email) <= EMAIL_MAX
