"""Safe intake: hostile archives and folders are refused with a reason; good entries split per challenge."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from grader.batch.intake import candidate_id, entry_stem, intake, split_submissions
from grader.submission import IntakeLimits, ModuleRules, normalise_member, reserved_module_names
from tests.batch.factory import tar_with_symlink, write_entry, zip_bomb, zip_slip

SLUGS = ("toy-sum", "toy-sum-b")
ENTRIES = {"toy-sum": ModuleRules("solution"), "toy-sum-b": ModuleRules("solution")}
GOOD = "def add(a, b):\n    return a + b\n"


def only(tmp_path: Path, slugs: tuple[str, ...] = SLUGS, limits: IntakeLimits | None = None):  # type: ignore[no-untyped-def]
    (candidate,) = intake(tmp_path, slugs, {s: ModuleRules("solution") for s in slugs}, limits)
    return candidate


def tar_with(tmp_path: Path, name: str, members: list[tarfile.TarInfo], data: bytes = b"") -> Path:
    target = tmp_path / f"{name}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for member in members:
            archive.addfile(member, io.BytesIO(data) if member.isreg() else None)
    return target


@pytest.mark.parametrize("fmt", ["folder", "zip", "tar.gz"])
def test_each_format_splits_per_challenge(tmp_path: Path, fmt: str) -> None:
    write_entry(tmp_path, "ada", {"toy-sum/solution.py": GOOD, "toy-sum-b/solution.py": GOOD, "notes.md": "hi"}, fmt)
    candidate = only(tmp_path)
    assert candidate.ok, candidate.error
    assert (candidate.id, candidate.name) == ("ada", "ada")
    assert candidate.submissions == {
        "toy-sum": {"solution.py": GOOD.encode()},
        "toy-sum-b": {"solution.py": GOOD.encode()},
    }
    assert candidate.ignored == ("notes.md",)


def test_wrapper_folder_and_junk_are_dropped(tmp_path: Path) -> None:
    files = {
        "ada/toy-sum/solution.py": GOOD,
        "ada/toy-sum/__pycache__/solution.cpython-311.pyc": b"\0",
        "__MACOSX/ada/._solution.py": b"\0",
        "ada/.DS_Store": b"\0",
    }
    write_entry(tmp_path, "ada", files, "zip")
    candidate = only(tmp_path)
    assert candidate.submissions == {"toy-sum": {"solution.py": GOOD.encode()}}


def test_missing_challenge_folder_is_absent_not_an_error(tmp_path: Path) -> None:
    write_entry(tmp_path, "ada", {"toy-sum/solution.py": GOOD})
    candidate = only(tmp_path)
    assert candidate.ok and set(candidate.submissions) == {"toy-sum"}


def test_one_challenge_takes_a_lone_solution_py_or_a_py_entry(tmp_path: Path) -> None:
    write_entry(tmp_path, "ada", {"solution.py": GOOD, "helpers/util.py": "X = 1\n"}, "zip")
    (tmp_path / "bo.py").write_text(GOOD)
    ada, bo = intake(tmp_path, ("toy-sum",), {"toy-sum": ModuleRules("solution")})
    assert ada.submissions == {"toy-sum": {"solution.py": GOOD.encode(), "helpers/util.py": b"X = 1\n"}}
    assert bo.submissions == {"toy-sum": {"solution.py": GOOD.encode()}}


def test_a_py_entry_is_refused_when_there_are_several_challenges(tmp_path: Path) -> None:
    (tmp_path / "bo.py").write_text(GOOD)
    assert "unsupported entry" in (only(tmp_path).error or "")


@pytest.mark.parametrize(
    ("maker", "reason"),
    [(zip_slip, "'..' in path"), (zip_bomb, "compression ratio"), (tar_with_symlink, "symbolic link")],
)
def test_malformed_archives_are_intake_errors(tmp_path: Path, maker, reason: str) -> None:  # type: ignore[no-untyped-def]
    maker(tmp_path, "eve")
    candidate = only(tmp_path)
    assert not candidate.ok
    assert reason in (candidate.error or "")
    assert candidate.submissions == {}


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("/etc/passwd", "absolute path"),
        ("C:/windows/x.py", "absolute path"),
        ("toy-sum\\..\\x.py", "backslash"),
        ("toy-sum/a\x1b[31m.py", "control character"),
        ("toy-sum/../../x.py", "'..' in path"),
        ("/".join(["d"] * 20) + "/x.py", "nested deeper"),
        ("toy-sum/" + "x" * 300 + ".py", "longer than"),
    ],
)
def test_hostile_zip_member_names(tmp_path: Path, name: str, reason: str) -> None:
    with zipfile.ZipFile(tmp_path / "eve.zip", "w") as archive:
        archive.writestr(name, GOOD)
    assert reason in (only(tmp_path).error or "")


def test_zip_symlink_and_device_members_are_refused(tmp_path: Path) -> None:
    for name, mode in (("eve", stat.S_IFLNK | 0o777), ("mal", stat.S_IFCHR | 0o644)):
        with zipfile.ZipFile(tmp_path / f"{name}.zip", "w") as archive:
            info = zipfile.ZipInfo("toy-sum/solution.py")
            info.create_system = 3
            info.external_attr = mode << 16
            archive.writestr(info, "/etc/passwd")
    eve, mal = intake(tmp_path, SLUGS, ENTRIES)
    assert "symbolic link" in (eve.error or "")
    assert "not a regular file" in (mal.error or "")


@pytest.mark.parametrize(
    ("kind", "reason"),
    [(tarfile.LNKTYPE, "hard link"), (tarfile.CHRTYPE, "device"), (tarfile.FIFOTYPE, "device")],
)
def test_tar_links_and_devices_are_refused(tmp_path: Path, kind: bytes, reason: str) -> None:
    member = tarfile.TarInfo("toy-sum/solution.py")
    member.type = kind
    member.linkname = "/etc/passwd"
    tar_with(tmp_path, "eve", [member])
    assert reason in (only(tmp_path).error or "")


def test_folder_with_a_symlink_is_refused(tmp_path: Path) -> None:
    write_entry(tmp_path, "eve", {"toy-sum/solution.py": GOOD})
    os.symlink("/etc/passwd", tmp_path / "eve" / "toy-sum" / "secrets.py")
    assert "symbolic link" in (only(tmp_path).error or "")


def test_symlinked_entry_is_refused(tmp_path: Path) -> None:
    target = tmp_path.parent / f"{tmp_path.name}-target"
    write_entry(target, "real", {"toy-sum/solution.py": GOOD})
    os.symlink(target / "real", tmp_path / "eve")
    assert "symbolic link" in (only(tmp_path).error or "")


def test_caps_on_members_file_size_and_total(tmp_path: Path) -> None:
    limits = IntakeLimits(max_members=5, max_files=5, max_file_bytes=1000, max_total_bytes=2500)
    write_entry(tmp_path / "a", "many", {f"toy-sum/f{i}.py": "x" for i in range(8)}, "zip")
    write_entry(tmp_path / "b", "big", {"toy-sum/solution.py": "#" * 1500}, "tar.gz")
    write_entry(tmp_path / "c", "sum", {f"toy-sum/f{i}.py": "#" * 900 for i in range(3)}, "folder")
    assert "more than 5" in (only(tmp_path / "a", limits=limits).error or "")
    assert "larger than" in (only(tmp_path / "b", limits=limits).error or "")
    assert "uncompressed in all" in (only(tmp_path / "c", limits=limits).error or "")


def test_tar_bomb_stops_while_streaming(tmp_path: Path) -> None:
    """A header may be honest and still huge: the stream is cut at the cap, not decompressed whole."""
    limits = IntakeLimits(max_file_bytes=10 * 1024 * 1024, max_total_bytes=1024 * 1024)
    member = tarfile.TarInfo("toy-sum/solution.py")
    member.size = 8 * 1024 * 1024
    tar_with(tmp_path, "eve", [member], b"0" * member.size)
    error = only(tmp_path, limits=limits).error or ""
    assert "uncompressed in all" in error or "compression ratio" in error


def test_duplicate_members_and_file_folder_clashes(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "eve.zip", "w") as archive:
        archive.writestr("toy-sum/solution.py", GOOD)
        archive.writestr("toy-sum/./solution.py", GOOD)
    with zipfile.ZipFile(tmp_path / "mal.zip", "w") as archive:
        archive.writestr("toy-sum/x", GOOD)
        archive.writestr("toy-sum/x/y.py", GOOD)
    eve, mal = intake(tmp_path, SLUGS, ENTRIES)
    assert "appears twice" in (eve.error or "")
    assert "both a file and a folder" in (mal.error or "")


def test_corrupt_and_unsupported_entries(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"PK\x03\x04 not really")
    (tmp_path / "b.tar.gz").write_bytes(b"\x1f\x8b garbage")
    (tmp_path / "c.rar").write_bytes(b"Rar!")
    (tmp_path / "d").mkdir()
    a, b, c, d = intake(tmp_path, SLUGS, ENTRIES)
    assert "not a valid zip" in (a.error or "")
    assert "not a valid .tar.gz" in (b.error or "")
    assert "unsupported entry" in (c.error or "")
    assert "no files" in (d.error or "")


def test_two_entries_for_one_candidate_are_both_refused(tmp_path: Path) -> None:
    write_entry(tmp_path, "ada", {"toy-sum/solution.py": GOOD}, "zip")
    write_entry(tmp_path, "ada", {"toy-sum/solution.py": GOOD}, "folder")
    first, second = intake(tmp_path, SLUGS, ENTRIES)
    assert "more than one entry" in (first.error or "") and "more than one entry" in (second.error or "")
    assert first.id != second.id


def test_hidden_entries_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".DS_Store").write_text("x")
    assert intake(tmp_path, SLUGS, ENTRIES) == []


@pytest.mark.parametrize(
    ("name", "safe"),
    [("ada", True), ("ada.lovelace@x", True), ("<script>", False), ("..", False), ("José", False), ("a b", False)],
)
def test_candidate_ids_are_safe_file_names(name: str, safe: bool) -> None:
    ident = candidate_id(name)
    assert (ident == name) is safe
    assert "/" not in ident and ident not in (".", "..") and len(ident) <= 64
    assert all(ch.isalnum() or ch in "._@+-" for ch in ident)


def test_entry_stem_strips_archive_suffixes() -> None:
    assert [entry_stem(Path(n)) for n in ("a.zip", "b.tar.gz", "c.TGZ", "d", ".zip")] == ["a", "b", "c", "d", ".zip"]


def test_normalise_member_drops_dots_and_junk() -> None:
    limits = IntakeLimits()
    assert normalise_member("./toy-sum//solution.py", limits) == "toy-sum/solution.py"
    assert normalise_member("toy-sum/__pycache__/x.pyc", limits) is None
    assert normalise_member("./", limits) is None


def test_split_keeps_unknown_top_level_files_as_ignored() -> None:
    files = {"toy-sum/solution.py": b"x", "README.md": b"y", "other/z.py": b"z"}
    per, ignored = split_submissions(files, SLUGS, "solution")
    assert per == {"toy-sum": {"solution.py": b"x"}}
    assert ignored == ("README.md", "other/z.py")


def test_entry_names_with_control_characters_are_refused_safely(tmp_path: Path) -> None:
    write_entry(tmp_path, "ev\x1b[2Jil", {"toy-sum/solution.py": GOOD}, "zip")
    candidate = only(tmp_path)
    assert candidate.error == "the entry's name contains control characters"
    assert "\x1b" not in candidate.name and "\x1b" not in candidate.id


def test_a_challenge_with_a_reserved_or_missing_module_is_refused_and_the_others_graded(tmp_path: Path) -> None:
    rules = {slug: ModuleRules("solution", reserved_module_names({"driver"})) for slug in SLUGS}
    write_entry(
        tmp_path, "ana", {"toy-sum/solution.py": GOOD, "toy-sum/driver.py": "x = 1\n", "toy-sum-b/solution.py": GOOD}
    )
    write_entry(tmp_path, "bo", {"toy-sum/my_solution.py": GOOD})
    ana, bo = intake(tmp_path, SLUGS, rules)
    assert ana.ok and set(ana.submissions) == {"toy-sum-b"}
    assert ana.refused == {
        "toy-sum": "driver.py: the module name 'driver' is reserved"
        " (a module of the grader or of this challenge's driver); rename it"
    }
    assert bo.ok and bo.submissions == {}
    assert bo.refused == {"toy-sum": "no solution.py at the top of the submission (found my_solution.py)"}


def test_a_folder_named_almost_like_a_slug_is_explained(tmp_path: Path) -> None:
    rules = {slug: ModuleRules("solution") for slug in SLUGS}
    write_entry(tmp_path, "ana", {"toy_sum/solution.py": GOOD, "toy-sum-b/solution.py": GOOD})
    write_entry(tmp_path, "bo", {"toy-sum-b/solution.py": GOOD})  # simply left toy-sum out
    ana, bo = intake(tmp_path, SLUGS, rules)
    assert set(ana.submissions) == {"toy-sum-b"}
    assert ana.refused == {"toy-sum": "no folder toy-sum/ (found toy_sum/: did you mean toy-sum/?)"}
    assert bo.refused == {} and set(bo.submissions) == {"toy-sum-b"}


def test_one_challenge_without_its_entry_module_says_what_was_found(tmp_path: Path) -> None:
    write_entry(tmp_path, "cy", {"my_solution.py": GOOD})
    (cy,) = intake(tmp_path, ("toy-sum",), {"toy-sum": ModuleRules("solution")})
    assert cy.refused == {
        "toy-sum": "no solution.py at the top of the entry (found my_solution.py; expected solution.py)"
    }
