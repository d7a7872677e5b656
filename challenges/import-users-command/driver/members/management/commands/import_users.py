"""Registers the submission's command under the name `import_users` (Django loads `Command` from here)."""

from solution import Command  # noqa: F401
