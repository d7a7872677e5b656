"""challenge.toml validation: every problem is one line naming the file and the field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import Kind, load_all, load_challenge
from grader.errors import ChallengeError, ExitCode
from tests.conftest import TOY


@pytest.fixture
def toy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "toy-sum"
    shutil.copytree(TOY, target)
    return target


def rewrite(folder: Path, old: str, new: str) -> None:
    path = folder / "challenge.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_valid_challenge_loads(toy_copy: Path) -> None:
    challenge = load_challenge(toy_copy)
    assert challenge.slug == "toy-sum"
    assert challenge.kind is Kind.PYTHON
    assert challenge.entry == "solution"
    assert challenge.limits.call_seconds == 2
    assert challenge.limits.memory_mb == 256


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('slug = "toy-sum"', 'slug = "other"', "'slug'"),
        ('slug = "toy-sum"', 'slug = "Toy Sum"', "'slug'"),
        ('title = "Toy sum"', "title = 3", "'title'"),
        ('title = "Toy sum"', "", "'title'"),
        ('difficulty = "easy"', 'difficulty = "trivial"', "'difficulty'"),
        ("question = 1", "question = 0", "'seed.question'"),
        ("question = 1", 'question = "one"', "'seed.question'"),
        ("call_seconds = 2", "call_seconds = -1", "'limits.call_seconds'"),
        ("memory_mb = 256", "memory_mb = true", "'limits.memory_mb'"),
        ("memory_mb = 256", "memory_mb = 256\nswap_mb = 1", "'limits.swap_mb'"),
        ('tags = ["test-fixture"]', 'tags = ["ok", 3]', "'tags'"),
        ('tags = ["test-fixture"]', 'tags = []\ncolour = "red"', "'colour'"),
        ('tags = ["test-fixture"]', 'tags = []\nkind = "java"', "'kind'"),
        ('tags = ["test-fixture"]', 'tags = []\nkind = "django"', "'driver'"),
        ('tags = ["test-fixture"]', 'tags = []\nentry = "not a module"', "'entry'"),
        ('tags = ["test-fixture"]', 'tags = []\ndriver = "../../etc"', "'driver'"),
    ],
)
def test_invalid_field_is_named(toy_copy: Path, old: str, new: str, field: str) -> None:
    rewrite(toy_copy, old, new)
    with pytest.raises(ChallengeError) as info:
        load_challenge(toy_copy)
    message = str(info.value)
    assert str(toy_copy / "challenge.toml") in message
    assert field in message
    assert "\n" not in message
    assert info.value.exit_code == ExitCode.USAGE


def test_invalid_toml_is_one_line(toy_copy: Path) -> None:
    (toy_copy / "challenge.toml").write_text("slug = \n")
    with pytest.raises(ChallengeError, match="invalid TOML"):
        load_challenge(toy_copy)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ChallengeError, match="file not found"):
        load_challenge(tmp_path)


def test_missing_suite_folder(toy_copy: Path) -> None:
    shutil.rmtree(toy_copy / "tests" / "hidden")
    with pytest.raises(ChallengeError, match=r"'suites\.hidden'"):
        load_challenge(toy_copy)


def test_the_bank_loads() -> None:
    challenges = load_all()
    assert {"lru-cache"} <= {c.slug for c in challenges}
    assert all(c.seed_question >= 1 for c in challenges)


def test_digest_changes_with_the_hidden_suite(toy_copy: Path) -> None:
    before = load_challenge(toy_copy).digest()
    (toy_copy / "tests" / "hidden" / "test_hidden.py").write_text("def test_x():\n    pass\n")
    assert load_challenge(toy_copy).digest() != before


def test_relative_root_gives_the_same_digest(toy_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A relative folder once broke digest(): the suite paths were absolute, the root was not.
    monkeypatch.chdir(toy_copy.parent)
    assert load_challenge(Path(toy_copy.name)).digest() == load_challenge(toy_copy).digest()


TYPOS = [
    ("lru", "lru-cache"),
    ("lru_cache", "lru-cache"),
    ("LRU-Cache", "lru-cache"),
    ("tokenbucket", "token-bucket"),
    ("trie", "trie-autocomplete"),
]


@pytest.mark.parametrize(("typed", "meant"), TYPOS)
def test_an_unknown_slug_suggests_the_one_meant(typed: str, meant: str) -> None:
    from grader.challenges import find_challenge
    from grader.errors import ChallengeError

    with pytest.raises(ChallengeError, match=rf"^unknown challenge '{typed}' \(did you mean {meant}\?\)$"):
        find_challenge(typed)
