"""Accept a submission: validate it, copy it read-only to a private folder, digest it.

Every path and byte of a submission is hostile: links, devices and oversized
trees are refused with a one-line reason before anything runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from grader.errors import SubmissionError
from grader.sandbox.base import WORKER_FILES

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


def read_submission(path: Path, entry: str, limits: IntakeLimits | None = None) -> dict[str, bytes]:
    """The submission's files as {relative posix path: content}; a lone .py file becomes `<entry>.py`.

    The same reader, names and caps as a batch's intake (`read_folder`); every refusal is one line
    naming `path`.
    """
    limits = limits or IntakeLimits()
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise SubmissionError(f"{path}: no such file or folder") from None
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"{path}: is a symbolic link")
    try:
        if stat.S_ISREG(mode):
            if path.suffix != ".py":
                raise SubmissionError("a single-file submission must be a .py file")
            collector = Collector(limits)
            collector.add_file(f"{entry}.py", functools.partial(open_no_follow, str(path)))
            return collector.files
        if not stat.S_ISDIR(mode):
            raise SubmissionError("not a regular file or folder")
        return read_folder(path, limits)
    except SubmissionError as exc:
        raise SubmissionError(f"{path}: {exc}") from None


CHUNK = 64 * 1024
SKIPPED_PARTS = frozenset({"__pycache__", ".git", ".hg", ".svn", "__MACOSX", ".pytest_cache", ".mypy_cache", ".venv"})
SKIPPED_NAMES = frozenset({".DS_Store", "Thumbs.db"})
_BAD_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f\\:*?\"<>|]")


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    """Caps on one candidate's entry. Sizes in bytes."""

    max_members: int = 1000
    max_files: int = 500
    max_file_bytes: int = 2 * 1024 * 1024
    max_total_bytes: int = 10 * 1024 * 1024
    max_archive_bytes: int = 20 * 1024 * 1024
    # Source code compresses about 4:1 and a file of one repeated line a few hundred to one;
    # zip bombs run at thousands to one. Only checked past `ratio_floor_bytes`, so tiny
    # repetitive files stay fine.
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 256 * 1024
    max_depth: int = 12
    max_name_bytes: int = 255
    max_path_bytes: int = 1024


def printable(text: str, limit: int = 120) -> str:
    """A name as it may be shown on a terminal or in a report (non-printables replaced)."""
    shown = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "\u2026"


def normalise_member(name: str, limits: IntakeLimits) -> str | None:
    """A member name as a safe relative POSIX path; None for junk to skip; SubmissionError if hostile."""
    shown = printable(name, 80)
    if not name:
        raise SubmissionError("empty member name")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise SubmissionError(f"member {shown!r}: control character in name")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise SubmissionError(f"member {shown!r}: name is not valid UTF-8") from None
    if "\\" in name:
        raise SubmissionError(f"member {shown!r}: backslash in name")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise SubmissionError(f"member {shown!r}: absolute path")
    if len(name.encode("utf-8", "surrogateescape")) > limits.max_path_bytes:
        raise SubmissionError(f"member {shown!r}: path longer than {limits.max_path_bytes} bytes")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if any(part == ".." for part in parts):
        raise SubmissionError(f"member {shown!r}: '..' in path")
    if not parts:
        return None
    if len(parts) > limits.max_depth:
        raise SubmissionError(f"member {shown!r}: nested deeper than {limits.max_depth} folders")
    for part in parts:
        if len(part.encode("utf-8", "surrogateescape")) > limits.max_name_bytes:
            raise SubmissionError(f"member {shown!r}: a name longer than {limits.max_name_bytes} bytes")
        if _BAD_NAME_CHARS.search(part):
            raise SubmissionError(f"member {shown!r}: character not allowed in a file name")
    if any(part in SKIPPED_PARTS for part in parts) or parts[-1] in SKIPPED_NAMES or parts[-1].endswith(".pyc"):
        return None
    return "/".join(parts)


# ------------------------------------------------------------------ collecting


class Collector:
    """Accumulates one entry's files, enforcing every cap on the bytes actually read."""

    def __init__(self, limits: IntakeLimits, compressed_total: int | None = None) -> None:
        self.limits = limits
        self.files: dict[str, bytes] = {}
        self.dirs: set[str] = set()
        self.members = 0
        self.total = 0
        self.compressed_total = compressed_total

    def count_member(self) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise SubmissionError(f"more than {self.limits.max_members} archive members")

    def add_dir(self, raw_name: str) -> None:
        name = normalise_member(raw_name, self.limits)
        if name is None:
            return
        if name in self.files:
            raise SubmissionError(f"{printable(name)!r} is both a file and a folder")
        self.dirs.add(name)

    def add_file(
        self,
        raw_name: str,
        opener: Callable[[], IO[bytes]],
        declared: int | None = None,
        compressed: int | None = None,
    ) -> None:
        name = normalise_member(raw_name, self.limits)
        if name is None:
            return
        shown = printable(name)
        if name in self.files or name in self.dirs:
            raise SubmissionError(f"{shown!r} appears twice")
        parent = name.rpartition("/")[0]
        while parent:
            if parent in self.files:
                raise SubmissionError(f"{printable(parent)!r} is both a file and a folder")
            self.dirs.add(parent)
            parent = parent.rpartition("/")[0]
        if len(self.files) >= self.limits.max_files:
            raise SubmissionError(f"more than {self.limits.max_files} files")
        cap = self.limits.max_file_bytes
        if declared is not None and declared > cap:
            raise SubmissionError(f"{shown!r}: larger than {format_mb(cap)}")
        chunks = []
        size = 0
        with opener() as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                self.total += len(chunk)
                if size > cap:
                    raise SubmissionError(f"{shown!r}: larger than {format_mb(cap)}")
                if self.total > self.limits.max_total_bytes:
                    raise SubmissionError(f"more than {format_mb(self.limits.max_total_bytes)} uncompressed in all")
                self._check_ratio(shown, size, compressed)
                chunks.append(chunk)
        if declared is not None and size != declared:
            raise SubmissionError(f"{shown!r}: size does not match its header")
        self.files[name] = b"".join(chunks)

    def _check_ratio(self, shown: str, size: int, compressed: int | None) -> None:
        limits = self.limits
        if compressed is not None and size > limits.ratio_floor_bytes and size > limits.max_ratio * max(compressed, 1):
            raise SubmissionError(f"{shown!r}: compression ratio above {limits.max_ratio:g}:1 (zip bomb?)")
        total_compressed = self.compressed_total
        if (
            total_compressed is not None
            and self.total > limits.ratio_floor_bytes
            and self.total > limits.max_ratio * max(total_compressed, 1)
        ):
            raise SubmissionError(f"compression ratio above {limits.max_ratio:g}:1 (archive bomb?)")


def format_mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def read_folder(path: Path, limits: IntakeLimits) -> dict[str, bytes]:
    """A folder's files; links, devices and other special files refuse the entry."""
    collector = Collector(limits)

    def walk(folder: Path, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                collector.count_member()
                relative = f"{prefix}{entry.name}"
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISLNK(mode):
                    raise SubmissionError(f"{printable(relative)!r} is a symbolic link")
                if stat.S_ISDIR(mode):
                    if normalise_member(relative, limits) is not None:
                        collector.add_dir(relative)
                        walk(Path(entry.path), relative + "/")
                elif stat.S_ISREG(mode):
                    collector.add_file(relative, functools.partial(open_no_follow, entry.path))
                else:
                    raise SubmissionError(f"{printable(relative)!r} is not a regular file")

    walk(path, "")
    return collector.files


def open_no_follow(path: str) -> IO[bytes]:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    return os.fdopen(descriptor, "rb")


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
