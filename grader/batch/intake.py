"""Safe intake: one entry per candidate (a folder, a .zip or a .tar.gz) to per-challenge file sets.

Nothing is extracted to disk and no archive path is trusted: every member name is validated
and normalised here, links, devices and anything that is not a regular file or folder are
refused, and every cap (members, file size, total size, compression ratio) is checked on the
bytes actually read, not only on what a header claims. A bad entry is the candidate's
"intake error", never an exception that stops the batch.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from grader.challenges import suggest
from grader.errors import SubmissionError
from grader.submission import (
    Collector,
    IntakeLimits,
    ModuleRules,
    format_mb,
    open_no_follow,
    printable,
    read_folder,
)

ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip")
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One candidate's entry after intake: files per challenge slug, or the reason it was refused.

    `name` is printable (for humans); `id` is safe as a file name and unique within the batch.
    """

    id: str
    name: str
    source: str
    submissions: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)
    error: str | None = None
    ignored: tuple[str, ...] = ()
    refused: Mapping[str, str] = field(default_factory=dict)
    """Challenges whose files were refused (reserved module names, no entry module): slug -> reason."""

    @property
    def ok(self) -> bool:
        return self.error is None


# ------------------------------------------------------------------ names


def candidate_id(name: str) -> str:
    """A file-name-safe id: the name itself when it is plain, else a cleaned name plus a hash."""
    if SAFE_ID.match(name) and name not in (".", ".."):
        return name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:40] or "candidate"
    return f"{cleaned}-{hashlib.sha256(name.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def read_zip(path: Path, limits: IntakeLimits) -> dict[str, bytes]:
    archive_size = _archive_size(path, limits)
    collector = Collector(limits, compressed_total=archive_size)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > limits.max_members:
                raise SubmissionError(f"more than {limits.max_members} archive members")
            for info in infos:
                collector.count_member()
                _check_zip_member(info)
                if info.is_dir():
                    collector.add_dir(info.filename)
                    continue
                collector.add_file(
                    info.filename,
                    functools.partial(archive.open, info),
                    declared=info.file_size,
                    compressed=info.compress_size,
                )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise SubmissionError(f"not a valid zip archive ({_one_line(exc)})") from None
    return collector.files


def _check_zip_member(info: zipfile.ZipInfo) -> None:
    shown = printable(info.filename, 80)
    if info.flag_bits & 0x1:
        raise SubmissionError(f"member {shown!r}: encrypted")
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if stat.S_ISLNK(mode):
        raise SubmissionError(f"member {shown!r}: symbolic link")
    if kind and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
        raise SubmissionError(f"member {shown!r}: not a regular file")


class _CappedStream:
    """A read-only stream that refuses to yield more than `cap` bytes in all.

    Bounds what tarfile decompresses for headers (long names, pax records) too,
    which per-member checks cannot see.
    """

    def __init__(self, inner: gzip.GzipFile, cap: int) -> None:
        self.inner = inner
        self.cap = cap
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = self.inner.read(size)
        self.read_bytes += len(data)
        if self.read_bytes > self.cap:
            raise SubmissionError("archive expands past the size cap (archive bomb?)")
        return data

    def close(self) -> None:
        self.inner.close()


def read_tar_gz(path: Path, limits: IntakeLimits) -> dict[str, bytes]:
    archive_size = _archive_size(path, limits)
    collector = Collector(limits, compressed_total=archive_size)
    # Headers and padding take at most 1.5 KiB per member beyond the file contents.
    stream_cap = limits.max_total_bytes + limits.max_members * 1536 + 10240
    try:
        with gzip.open(path, "rb") as raw:
            capped = _CappedStream(raw, stream_cap)
            with tarfile.open(fileobj=capped, mode="r|") as archive:  # type: ignore[call-overload]
                for member in archive:
                    collector.count_member()
                    _add_tar_member(collector, archive, member)
    except (tarfile.TarError, zlib.error, OSError, EOFError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"not a valid .tar.gz archive ({_one_line(exc)})") from None
    return collector.files


def _add_tar_member(collector: Collector, archive: tarfile.TarFile, member: tarfile.TarInfo) -> None:
    shown = printable(member.name, 80)
    if member.issym():
        raise SubmissionError(f"member {shown!r}: symbolic link")
    if member.islnk():
        raise SubmissionError(f"member {shown!r}: hard link")
    if member.isdir():
        collector.add_dir(member.name)
        return
    if not member.isreg():
        raise SubmissionError(f"member {shown!r}: device or special file")

    def opener() -> IO[bytes]:
        stream = archive.extractfile(member)
        if stream is None:
            raise SubmissionError(f"member {shown!r}: cannot be read")
        return stream

    collector.add_file(member.name, opener, declared=member.size)


def _archive_size(path: Path, limits: IntakeLimits) -> int:
    size = os.lstat(path).st_size
    if size > limits.max_archive_bytes:
        raise SubmissionError(f"archive larger than {format_mb(limits.max_archive_bytes)}")
    return size


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return printable(text[0] if text else type(exc).__name__, 200)


# ------------------------------------------------------------------ entries


def entry_stem(entry: Path) -> str:
    """The candidate's name from an entry's file name (archive suffixes removed)."""
    name = entry.name
    for suffix in (*ARCHIVE_SUFFIXES, ".py"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def list_entries(submissions: Path) -> list[Path]:
    """Entries of the SUBMISSIONS folder, sorted; hidden entries (`.name`) are skipped."""
    if not submissions.is_dir():
        raise SubmissionError(f"{submissions}: not a folder")
    return sorted(p for p in submissions.iterdir() if not p.name.startswith("."))


def read_entry(entry: Path, limits: IntakeLimits, single_entry: str | None) -> dict[str, bytes]:
    """All files of one entry; `single_entry` is the module name when a lone .py is acceptable."""
    mode = os.lstat(entry).st_mode
    if stat.S_ISLNK(mode):
        raise SubmissionError("the entry is a symbolic link")
    if stat.S_ISDIR(mode):
        return read_folder(entry, limits)
    if not stat.S_ISREG(mode):
        raise SubmissionError("the entry is not a regular file or folder")
    lower = entry.name.lower()
    if lower.endswith(".zip"):
        return read_zip(entry, limits)
    if lower.endswith((".tar.gz", ".tgz")):
        return read_tar_gz(entry, limits)
    if lower.endswith(".py") and single_entry is not None:
        collector = Collector(limits)
        collector.add_file(f"{single_entry}.py", lambda: open_no_follow(str(entry)))
        return collector.files
    raise SubmissionError("unsupported entry: expected a folder, a .zip or a .tar.gz archive")


def split_submissions(
    files: Mapping[str, bytes], slugs: Sequence[str], entry: str
) -> tuple[dict[str, dict[str, bytes]], tuple[str, ...]]:
    """Files per challenge slug (a slug with no files is absent: "not submitted"), and what was ignored.

    Wrapper folders (`alice/lru-cache/...`) are unwrapped; with a one-challenge assessment the
    files at the top (a lone `solution.py`) are that challenge's submission.
    """
    paths = dict(files)
    for _ in range(2):
        tops = {p.split("/", 1)[0] for p in paths}
        if len(tops) != 1 or any("/" not in p for p in paths):
            break
        (top,) = tops
        if top in slugs:
            break
        paths = {p.split("/", 1)[1]: content for p, content in paths.items()}
    per_challenge: dict[str, dict[str, bytes]] = {}
    for path, content in paths.items():
        top, _, rest = path.partition("/")
        if rest and top in slugs:
            per_challenge.setdefault(top, {})[rest] = content
    used = {f"{slug}/{rest}" for slug, group in per_challenge.items() for rest in group}
    if len(slugs) == 1 and not per_challenge and f"{entry}.py" in paths:
        # One challenge: the whole entry is its submission, as `grader grade FOLDER` would take it.
        per_challenge[slugs[0]] = paths
        used = set(paths)
    ignored = sorted(p for p in paths if p not in used)
    return per_challenge, tuple(ignored)


def intake(
    submissions: Path,
    slugs: Sequence[str],
    rules: Mapping[str, ModuleRules],
    limits: IntakeLimits | None = None,
) -> list[Candidate]:
    """Every candidate of SUBMISSIONS, in name order; refused entries carry their reason.

    `rules` holds each challenge's entry module and reserved names: a challenge whose files break
    them is in the candidate's `refused`, and the candidate's other challenges are still graded.
    """
    limits = limits or IntakeLimits()
    entries = list_entries(submissions)
    by_stem: dict[str, list[Path]] = {}
    for entry in entries:
        by_stem.setdefault(entry_stem(entry), []).append(entry)
    single_entry = rules[slugs[0]].entry if len(slugs) == 1 else None
    candidates = []
    for entry in entries:
        stem = entry_stem(entry)
        name = printable(stem)
        if len(by_stem[stem]) > 1:
            others = ", ".join(printable(p.name) for p in by_stem[stem] if p != entry)
            candidates.append(
                Candidate(
                    id=candidate_id(entry.name),
                    name=printable(entry.name),
                    source=printable(entry.name),
                    error=f"more than one entry for candidate {name!r} (also {others})",
                )
            )
            continue
        candidates.append(_intake_one(entry, stem, slugs, rules, limits, single_entry))
    return candidates


def _intake_one(
    entry: Path,
    stem: str,
    slugs: Sequence[str],
    rules: Mapping[str, ModuleRules],
    limits: IntakeLimits,
    single_entry: str | None,
) -> Candidate:
    ident, name, source = candidate_id(stem), printable(stem), printable(entry.name)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in entry.name):
        return Candidate(ident, name, source, error="the entry's name contains control characters")
    try:
        files = read_entry(entry, limits, single_entry)
    except SubmissionError as exc:
        return Candidate(ident, name, source, error=str(exc))
    except OSError as exc:
        return Candidate(ident, name, source, error=f"cannot read the entry ({_one_line(exc)})")
    if not files:
        return Candidate(ident, name, source, error="the entry holds no files")
    per_challenge, ignored = split_submissions(files, slugs, single_entry or "solution")
    refused = {}
    for slug, challenge_files in sorted(per_challenge.items()):
        try:
            rules[slug].check(challenge_files)
        except SubmissionError as exc:
            refused[slug] = printable(str(exc), 300)
    accepted = {slug: group for slug, group in per_challenge.items() if slug not in refused}
    refused.update(explain_missing(slugs, per_challenge, ignored, rules))
    return Candidate(ident, name, source, submissions=accepted, ignored=ignored, refused=refused)


def explain_missing(
    slugs: Sequence[str],
    per_challenge: Mapping[str, Mapping[str, bytes]],
    ignored: Sequence[str],
    rules: Mapping[str, ModuleRules],
) -> dict[str, str]:
    """For a challenge with no files, what the entry holds instead that looks meant for it.

    A folder named almost like the slug (`lru/`, `lru_cache/`) or, with one challenge, Python files
    without the entry module, make that challenge an intake error that says what was found and
    what was expected; an entry that simply leaves a challenge out stays "not submitted".
    """
    missing = [slug for slug in slugs if slug not in per_challenge]
    folders = sorted({path.split("/", 1)[0] for path in ignored if "/" in path})
    loose = sorted(path for path in ignored if "/" not in path and path.endswith(".py"))
    reasons: dict[str, str] = {}
    for slug in missing:
        entry = rules[slug].entry
        meant = [f for f in folders if suggest(f, [slug]) == slug]
        if meant:
            reasons[slug] = printable(f"no folder {slug}/ (found {meant[0]}/: did you mean {slug}/?)", 300)
        elif len(slugs) == 1 and loose:
            found = ", ".join(loose[:5])
            reasons[slug] = printable(
                f"no {entry}.py at the top of the entry (found {found}; expected {entry}.py)", 300
            )
    return reasons
