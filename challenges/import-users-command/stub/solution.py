"""import-users-command: see prompt.md for the rules the grader checks."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError  # noqa: F401
from members.models import Member  # noqa: F401


class Command(BaseCommand):
    help = "Import members from a UTF-8 CSV file whose header has the columns email and name."

    def add_arguments(self, parser):
        """One positional argument (the CSV path) and the flag --dry-run."""
        raise NotImplementedError

    def handle(self, *args, **options):
        """Read, validate, count; create new members atomically unless --dry-run; print the summary."""
        raise NotImplementedError
