# wrong: the seed's sample answer: no --dry-run, no validation or normalising, no summary, errors only printed
# max-percent: 15
"""The seed's answer rewritten for Member: get_or_create per row inside a catch-all try."""

import csv

from django.core.management.base import BaseCommand
from members.models import Member


class Command(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("file_path", type=str)

    def handle(self, *args, **options):
        try:
            with open(options["file_path"]) as source:
                for record in csv.DictReader(source):
                    Member.objects.get_or_create(email=record["email"], defaults={"name": record["name"]})
            self.stdout.write(self.style.SUCCESS("Import completed"))
        except Exception as exc:
            self.stderr.write(self.style.ERROR(f"Error: {exc}"))
