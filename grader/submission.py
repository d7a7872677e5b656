"""Accept a submission: validate it, copy it read-only to a private folder, digest it.

Every path and byte of a submission is hostile: links, devices and oversized
trees are refused with a one-line reason before anything runs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError

MAX_FILES = 500
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_TOTAL_BYTES = 10 * 1024 * 1024
SKIPPED_DIRS = {"__pycache__", ".git", ".pytest_cache", ".mypy_cache", ".venv"}


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


def compute_digest(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def materialize(files: dict[str, bytes], prefix: str = "grader-sub-") -> Path:
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


def prepare_submission(path: Path, entry: str) -> PreparedSubmission:
    files = read_submission(path, entry)
    return PreparedSubmission(materialize(files), compute_digest(files), tuple(sorted(files)))
