"""grader.toml / [tool.grader]: project defaults, one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.config import Config, load_config, parse_config
from grader.errors import InputError
from grader.sandbox.base import Backend


def test_grader_toml_then_pyproject_then_nothing(tmp_path: Path) -> None:
    assert load_config(tmp_path, {}) == Config()
    (tmp_path / "pyproject.toml").write_text('[tool.grader]\nsandbox = "local"\njobs = 3\n')
    assert load_config(tmp_path, {}).option_defaults() == {"sandbox": "local", "jobs": 3}
    (tmp_path / "grader.toml").write_text('bank = "bank"\nimage = "grader-sandbox:x"\n')
    config = load_config(tmp_path, {})
    assert config.bank == (tmp_path / "bank").resolve() and config.image == "grader-sandbox:x"
    other = tmp_path / "other.toml"
    other.write_text('sandbox = "docker"\n')
    assert load_config(tmp_path, {"GRADER_CONFIG": str(other)}).sandbox is Backend.DOCKER


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("jobs = 0\n", "'jobs' must be a whole number"),
        ("jobs = true\n", "'jobs' must be a whole number"),
        ('sandbox = "vm"\n', "'sandbox' must be one of docker, local"),
        ("colour = 1\n", "unknown grader setting 'colour'"),
        ("jobs = [\n", "not a readable TOML file"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_file(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "grader.toml").write_text(text)
    with pytest.raises(InputError) as caught:
        load_config(tmp_path, {})
    assert str(caught.value).startswith(f"{tmp_path / 'grader.toml'}: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


@given(st.dictionaries(st.sampled_from(["sandbox", "jobs", "image"]), st.one_of(st.integers(), st.text(), st.none())))
def test_parse_config_accepts_or_refuses_cleanly(data: dict[str, object]) -> None:
    """Whatever a file holds, the result is a Config or an InputError: never another exception."""
    clean = {k: v for k, v in data.items() if v is not None}
    try:
        config = parse_config(clean, Path("grader.toml"))
    except InputError:
        return
    assert set(config.option_defaults()) == set(clean)
