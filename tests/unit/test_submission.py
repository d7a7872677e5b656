"""Submission intake: hostile trees are refused with one-line reasons; digests are stable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader import submission as intake
from grader.errors import SubmissionError
from grader.submission import ModuleRules, reserved_module_names, top_level_modules


def test_single_file_becomes_the_entry_module(tmp_path: Path) -> None:
    source = tmp_path / "my_answer.py"
    source.write_text("x = 1\n")
    files = intake.read_submission(source, "solution")
    prepared = intake.PreparedSubmission(intake.materialize(files), intake.compute_digest(files), tuple(files))
    try:
        assert prepared.files == ("solution.py",)
        assert (prepared.root / "solution.py").read_text() == "x = 1\n"
        assert not os.access(prepared.root / "solution.py", os.W_OK) or os.geteuid() == 0
        assert oct((prepared.root / "solution.py").stat().st_mode & 0o777) == oct(0o444)
    finally:
        prepared.cleanup()
    assert not prepared.root.exists()


def test_folder_is_copied_without_caches(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "solution.py").write_text("from pkg import a\n")
    (tmp_path / "pkg" / "a.py").write_text("a = 1\n")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"junk")
    assert sorted(intake.read_submission(tmp_path, "solution")) == ["pkg/a.py", "solution.py"]


@pytest.mark.parametrize("target", ["/etc/passwd", "/etc", "../outside"])
def test_symlinks_are_refused(tmp_path: Path, target: str) -> None:
    (tmp_path / "solution.py").write_text("x = 1\n")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(SubmissionError, match="symbolic link"):
        intake.read_submission(tmp_path, "solution")


def test_symlinked_submission_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.py").write_text("x = 1\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    with pytest.raises(SubmissionError, match="symbolic link"):
        intake.read_submission(tmp_path / "link.py", "solution")


def test_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(SubmissionError, match="not a regular file"):
        intake.read_submission(tmp_path, "solution")


def test_caps(tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}.py").write_text("")
    with pytest.raises(SubmissionError, match=r"^.*: more than 3 files$"):
        intake.read_submission(tmp_path, "solution", intake.IntakeLimits(max_files=3))


def test_big_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "solution.py").write_text("x" * 11)
    with pytest.raises(SubmissionError, match="larger than"):
        intake.read_submission(tmp_path, "solution", intake.IntakeLimits(max_file_bytes=10))


def test_grade_and_batch_intake_skip_the_same_names(tmp_path: Path) -> None:
    """One reader: a folder gives the same files to `grader grade` as to a batch's intake."""
    from grader.batch.intake import read_entry

    for name in ["solution.py", ".git/config", "__MACOSX/x.py", "pkg/.DS_Store", "pkg/m.py", ".venv/lib.py"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    files = intake.read_submission(tmp_path, "solution")
    assert files == read_entry(tmp_path, intake.IntakeLimits(), None)
    assert sorted(files) == ["pkg/m.py", "solution.py"]


def test_non_python_single_file_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("")
    with pytest.raises(SubmissionError, match=r"must be a \.py file"):
        intake.read_submission(tmp_path / "a.txt", "solution")
    with pytest.raises(SubmissionError, match="no such file"):
        intake.read_submission(tmp_path / "nope", "solution")


def test_control_characters_in_names_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bad\x07name.py").write_text("")
    with pytest.raises(SubmissionError, match="control character in name"):
        intake.read_submission(tmp_path, "solution")


@given(st.dictionaries(st.from_regex(r"[a-z]{1,8}\.py", fullmatch=True), st.binary(max_size=20), max_size=5))
def test_digest_depends_on_content_not_order(files: dict[str, bytes]) -> None:
    reordered = dict(reversed(list(files.items())))
    assert intake.compute_digest(files) == intake.compute_digest(reordered)
    if files:
        name = next(iter(files))
        changed = {**files, name: files[name] + b"!"}
        assert intake.compute_digest(changed) != intake.compute_digest(files)


def test_top_level_modules_name_what_python_would_import() -> None:
    files = [
        "solution.py",
        "helpers/__init__.py",
        "ns/part.py",
        "fast.cpython-311-x86_64-linux-gnu.so",
        "README.md",
        "notes/todo.txt",
        "sub/deeper/solution.py",
    ]
    assert top_level_modules(files) == {
        "fast": "fast.cpython-311-x86_64-linux-gnu.so",
        "helpers": "helpers/__init__.py",
        "ns": "ns/part.py",
        "solution": "solution.py",
        "sub": "sub/deeper/solution.py",
    }


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no solution.py at the top of the submission (found no Python file)"),
        ({"sub/solution.py": b""}, "no solution.py at the top of the submission (found sub/solution.py)"),
        (
            {"solution.py": b"", "json.py": b""},
            "json.py: the module name 'json' is reserved (a standard-library module)",
        ),
        ({"solution.py": b"", "rpc.py": b""}, "rpc.py: the module name 'rpc' is reserved (a module of the grader"),
        ({"solution.py": b"", "asyncio/x.py": b""}, "asyncio/x.py: the module name 'asyncio' is reserved"),
    ],
)
def test_module_rules_refuse_with_one_line_naming_the_file(files: dict[str, bytes], message: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        ModuleRules("solution", reserved_module_names()).check(files)
    assert str(caught.value).startswith(message)


@given(
    st.sampled_from(sorted(reserved_module_names({"driver", "library"}))), st.sampled_from(["{}.py", "{}/__init__.py"])
)
def test_every_reserved_name_is_refused_as_a_file_or_a_package(name: str, shape: str) -> None:
    rules = ModuleRules("solution", reserved_module_names({"driver", "library"}))
    with pytest.raises(SubmissionError, match=f"'{name}' is reserved"):
        rules.check({"solution.py": b"", shape.format(name): b""})


def test_helper_modules_with_free_names_are_accepted() -> None:
    ModuleRules("solution", reserved_module_names({"driver"})).check(
        {"solution.py": b"", "lru_helpers.py": b"", "mypkg/__init__.py": b"", "README.md": b""}
    )
