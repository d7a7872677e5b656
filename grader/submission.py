"""Accept a submission: validate it, copy it read-only to a private folder, digest it.

Every path and byte of a submission is hostile: links, devices and oversized
trees are refused with a one-line reason before anything runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SubmissionError
from grader.sandbox.base import WORKER_FILES

MAX_FILES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
SKIPPED_DIRS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".venv"}
# What the sandbox image installs next to the standard library (grader/sandbox/requirements.txt),
# by import name.
SANDBOX_PACKAGES = frozenset({"django", "rest_framework", "asgiref", "sqlparse"})
# Suffixes of files Python can import a top-level module from.
_MODULE_SUFFIXES = (".py", ".pyc", ".so", ".pyd", ".pyw")


@dataclass(frozen=True, slots=True)
class ModuleRules:
    """Which top-level module names a submission must provide and may not use.

    The worker puts the submission's folder last on `sys.path`, so nothing in it can shadow the
    standard library, the sandbox's packages, the worker's own modules or a challenge's driver;
    refusing those names at intake says so to the candidate instead of grading a file that is
    silently never imported.
    """

    entry: str
    reserved: frozenset[str] = field(default_factory=frozenset)

    def check(self, files: Mapping[str, bytes]) -> None:
        """Raise SubmissionError naming the file when the entry module is missing or a name is reserved."""
        tops = top_level_modules(files)
        for name, path in sorted(tops.items()):
            if name in self.reserved and name != self.entry:
                raise SubmissionError(
                    f"{path}: the module name {name!r} is reserved ({_reserved_why(name)}); rename it"
                )
        if self.entry not in tops:
            found = ", ".join(sorted(p for p in files if p.endswith(".py"))[:5]) or "no Python file"
            raise SubmissionError(f"no {self.entry}.py at the top of the submission (found {found})")


def _reserved_why(name: str) -> str:
    if name in sys.stdlib_module_names:
        return "a standard-library module"
    if name in SANDBOX_PACKAGES:
        return "a package installed in the sandbox"
    return "a module of the grader or of this challenge's driver"


def top_level_modules(files: Iterable[str]) -> dict[str, str]:
    """{importable top-level name: the first path that provides it} for a submission's file names.

    A top-level file `x.py` (or `x.cpython-311-x86_64-linux-gnu.so`) provides `x`; a top-level folder
    holding any Python file provides a (regular or namespace) package of its own name.
    """
    tops: dict[str, str] = {}
    for path in sorted(files):
        head, sep, _rest = path.partition("/")
        if sep:
            if path.endswith(_MODULE_SUFFIXES):
                tops.setdefault(head, path)
        elif path.endswith(_MODULE_SUFFIXES):
            tops.setdefault(head.split(".", 1)[0], path)
    return tops


def reserved_module_names(extra: Iterable[str] = ()) -> frozenset[str]:
    """Names no submission may use: the standard library's, the sandbox's packages, the worker's, `extra`."""
    worker = {Path(name).stem for name in WORKER_FILES}
    return frozenset(sys.stdlib_module_names) | SANDBOX_PACKAGES | worker | frozenset(extra)


@dataclass(frozen=True, slots=True)
class PreparedSubmission:
    """A private, read-only copy of a submission, and the digest of what it holds."""

    root: Path
    sha256: str
    files: tuple[str, ...]

    def cleanup(self) -> None:
        for folder, _dirs, _files in os.walk(self.root):
            os.chmod(folder, 0o755)
        shutil.rmtree(self.root, ignore_errors=True)


def read_submission(path: Path, entry: str) -> dict[str, bytes]:
    """The submission's files as {relative posix path: content}; a lone file becomes `<entry>.py`."""
    if not os.path.lexists(path):
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_symlink():
        raise SubmissionError(f"{path}: is a symbolic link")
    if path.is_file():
        if path.suffix != ".py":
            raise SubmissionError(f"{path}: a single-file submission must be a .py file")
        return {f"{entry}.py": _read_capped(path, path.name)}
    if not path.is_dir():
        raise SubmissionError(f"{path}: not a regular file or folder")
    files: dict[str, bytes] = {}
    total = 0
    for folder, dirs, names in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in [*dirs, *names]:
            _check_name(name, path)
            full = Path(folder) / name
            mode = os.lstat(full).st_mode
            relative = full.relative_to(path).as_posix()
            if stat.S_ISLNK(mode):
                raise SubmissionError(f"{path}: {relative} is a symbolic link")
            if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
                raise SubmissionError(f"{path}: {relative} is not a regular file")
        for name in sorted(names):
            if name.endswith(".pyc"):
                continue
            full = Path(folder) / name
            relative = full.relative_to(path).as_posix()
            files[relative] = _read_capped(full, relative)
            total += len(files[relative])
            if len(files) > MAX_FILES:
                raise SubmissionError(f"{path}: more than {MAX_FILES} files")
            if total > MAX_TOTAL_BYTES:
                raise SubmissionError(f"{path}: more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB in all")
    return files


def _check_name(name: str, root: Path) -> None:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name) or name in (".", ".."):
        raise SubmissionError(f"{root}: file name {name!r} is not allowed")


def _read_capped(path: Path, label: str) -> bytes:
    size = os.lstat(path).st_size
    if size > MAX_FILE_BYTES:
        raise SubmissionError(f"{label}: file larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return path.read_bytes()


def compute_digest(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def materialize(files: Mapping[str, bytes], prefix: str = "grader-sub-") -> Path:
    """Write files into a fresh folder: world-readable (the sandbox user is not us), read-only."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        target.chmod(0o444)
    for folder, _dirs, _files in os.walk(root, topdown=False):
        os.chmod(folder, 0o555)
    return root
