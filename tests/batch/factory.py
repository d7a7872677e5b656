"""Build cohorts of candidate entries for the batch tests (not a test module).

`toy_cohort` is the small hand-made cohort the fast tests grade locally; `generate_cohort`
builds N candidates over any challenges (the 40 x 3 Docker end-to-end) from each challenge's
reference, alternatives and wrong variants.
"""

from __future__ import annotations

import ast
import io
import re
import shutil
import tarfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.challenges import Challenge
from tests.conftest import FILES, TOY

TOY_SOURCES = FILES / "batch" / "toy"


def make_bank(dest: Path, slugs: Sequence[str] = ("toy-sum", "toy-sum-b")) -> Path:
    """A challenge bank holding copies of toy-sum under the given slugs."""
    for slug in slugs:
        folder = dest / slug
        shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("__pycache__"))
        toml = folder / "challenge.toml"
        toml.write_text(toml.read_text().replace('slug = "toy-sum"', f'slug = "{slug}"'))
    return dest


def write_entry(dest: Path, name: str, files: Mapping[str, bytes | str], fmt: str = "folder") -> Path:
    """One candidate entry: a folder, a .zip or a .tar.gz holding `files` (relative paths)."""
    encoded = {path: content.encode() if isinstance(content, str) else content for path, content in files.items()}
    dest.mkdir(parents=True, exist_ok=True)
    if fmt == "folder":
        root = dest / name
        for path, content in encoded.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(content)
        return root
    if fmt == "zip":
        target = dest / f"{name}.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path, content in encoded.items():
                archive.writestr(path, content)
        return target
    target = dest / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for path, content in encoded.items():
            info = tarfile.TarInfo(path)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return target


def zip_slip(dest: Path, name: str) -> Path:
    target = dest / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("toy-sum/solution.py", "def add(a, b):\n    return a + b\n")
        archive.writestr("../../escaped.py", "print('outside')\n")
    return target


def zip_bomb(dest: Path, name: str, size: int = 1536 * 1024) -> Path:
    """Under the per-file cap, far over the ratio cap: 1.5 MB of zeros in about 1.5 KB."""
    target = dest / f"{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("toy-sum/solution.py", b"#" + b"0" * size)
    return target


def tar_with_symlink(dest: Path, name: str) -> Path:
    target = dest / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        content = b"def add(a, b):\n    return a + b\n"
        info = tarfile.TarInfo("toy-sum/solution.py")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
        link = tarfile.TarInfo("toy-sum/secrets.py")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        archive.addfile(link)
    return target


def toy(name: str) -> str:
    return (TOY_SOURCES / f"{name}.py").read_text()


@dataclass(frozen=True, slots=True)
class Expected:
    """What a toy candidate should get: points per slug (None: not submitted) or an intake error."""

    points: Mapping[str, float | None]
    intake_error: str | None = None


TOY_POINTS = {"correct": 100.0, "partial": 300 / 7, "broken": 0.0, "hostile": 100 / 7}  # hostile: greet passes


def toy_cohort(dest: Path, slugs: Sequence[str] = ("toy-sum", "toy-sum-b")) -> dict[str, Expected]:
    """The hand-made cohort: every kind of entry the batch must handle.

    Only alice and bob submit the second challenge (a grading costs seconds); everyone else
    leaves its folder out, erin with a stray file beside her only folder.
    """
    dest.mkdir(parents=True, exist_ok=True)
    first = slugs[0]
    expected: dict[str, Expected] = {}

    def entry(name: str, variant: str, fmt: str, chosen: Sequence[str] = (first,), wrapper: str = "") -> None:
        files = {f"{wrapper}{slug}/solution.py": toy(variant) for slug in chosen}
        write_entry(dest, name, files, fmt)
        points = round(TOY_POINTS.get(variant, 100.0), 2)
        expected[name] = Expected({slug: points if slug in chosen else None for slug in slugs})

    entry("alice", "correct", "zip", slugs, wrapper="alice/")  # archive with a wrapper folder
    entry("bob", "partial", "tar.gz", slugs)
    entry("carol", "broken", "folder")
    entry("dave", "hostile", "folder")
    entry("frank", "original", "folder")
    entry("grace", "near_copy", "zip")
    entry("heidi", "independent", "folder")
    write_entry(dest, "erin", {f"{first}/solution.py": toy("correct"), "notes.txt": "ran out of time"})
    expected["erin"] = Expected({slug: 100.0 if slug == first else None for slug in slugs})
    zip_slip(dest, "mallory")
    expected["mallory"] = Expected({}, "'..' in path")
    zip_bomb(dest, "oscar")
    expected["oscar"] = Expected({}, "compression ratio")
    tar_with_symlink(dest, "trudy")
    expected["trudy"] = Expected({}, "symbolic link")
    return expected


# ------------------------------------------------------------------ the generic generator


@dataclass(frozen=True, slots=True)
class Variants:
    correct: tuple[str, ...]
    partial: tuple[str, ...]


def variants_from_challenge(challenge: Challenge) -> Variants:
    """Correct: the reference and the alternatives; partial: the known-wrong variants (else the stub)."""
    entry = f"{challenge.entry}.py"
    correct = [(challenge.reference_dir / entry).read_text()]
    correct += [p.read_text() for p in sorted(challenge.alternatives_dir.glob("*.py"))]
    partial = [p.read_text() for p in sorted(challenge.wrong_dir.glob("*.py"))] if challenge.wrong_dir.is_dir() else []
    return Variants(tuple(correct), tuple(partial or [(challenge.stub_dir / entry).read_text()]))


def make_hostile(source: str) -> str:
    """The source with `os._exit(3)` as the first statement of its first function or method."""
    tree = ast.parse(source)
    exit_call = ast.parse("__import__('os')._exit(3)").body[0]
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.body.insert(0, exit_call)
            break
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def make_broken(source: str) -> str:
    return source + "\n\ndef unfinished(:\n    pass\n"


def rename_locals(source: str) -> str:
    """A near-copy: every assigned local and parameter name replaced, comments changed."""
    tree = ast.parse(source)
    names = sorted(
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        | {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args if a.arg != "self"}
    )
    renamed = source
    for index, name in enumerate(names):
        renamed = re.sub(rf"\b{re.escape(name)}\b", f"v{index}_{name[::-1]}", renamed)
    return "# written from scratch, honest\n" + re.sub(r"#.*", "# note", renamed)


KINDS = ("correct", "partial", "correct", "broken", "hostile", "partial", "correct", "near-copy")
FORMATS = ("folder", "zip", "tar.gz")


def generate_cohort(
    dest: Path,
    challenges: Sequence[Challenge],
    count: int = 40,
    variants: Mapping[str, Variants] | None = None,
) -> dict[str, str]:
    """`count` candidates over `challenges`; returns {candidate: kind summary}.

    Kinds rotate per (candidate, challenge): correct (reference or an alternative), partially
    correct (a known-wrong variant), broken (syntax error), hostile (os._exit in a call), a
    renamed near-copy of the previous candidate's work. Every tenth candidate sends a malformed
    archive (zip slip, zip bomb, symlink in a tar, in turn) and every tenth (offset 5) leaves
    out one challenge folder.
    """
    dest.mkdir(parents=True, exist_ok=True)
    chosen = {c.slug: (variants or {}).get(c.slug) or variants_from_challenge(c) for c in challenges}
    summary: dict[str, str] = {}
    previous: dict[str, str] = {}
    malformed = (zip_slip, zip_bomb, tar_with_symlink)
    for index in range(count):
        name = f"candidate-{index:02d}"
        if index % 10 == 9:
            maker = malformed[(index // 10) % len(malformed)]
            maker(dest, name)
            summary[name] = f"malformed ({maker.__name__})"
            continue
        files: dict[str, str] = {}
        kinds = []
        for position, challenge in enumerate(challenges):
            if index % 10 == 5 and position == index % len(challenges):
                kinds.append(f"{challenge.slug}: missing")
                continue
            kind = KINDS[(index + position) % len(KINDS)]
            pool = chosen[challenge.slug]
            correct = pool.correct[(index // len(KINDS)) % len(pool.correct)]
            if kind == "correct":
                source = correct
            elif kind == "partial":
                source = pool.partial[index % len(pool.partial)]
            elif kind == "broken":
                source = make_broken(correct)
            elif kind == "hostile":
                source = make_hostile(correct)
            else:
                source = rename_locals(previous.get(challenge.slug, correct))
            previous[challenge.slug] = source
            files[f"{challenge.slug}/{challenge.entry}.py"] = source
            kinds.append(f"{challenge.slug}: {kind}")
        write_entry(dest, name, files, FORMATS[index % len(FORMATS)])
        summary[name] = "; ".join(kinds)
    return summary
