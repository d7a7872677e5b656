"""Failure messages lead with the point: the assertion first, long context cut in the middle,
the falsifying example once, proxies shown as what they stand for."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from grader.harness.plugin import CONTEXT_CHARS, elide, lead_with_the_point

SQL = "['" + "SELECT x FROM t WHERE id = 1; " * 20 + "']"


def test_the_assertion_comes_before_the_context_the_test_attached() -> None:
    message = f"AssertionError: {SQL}\nassert 5 == 1\n +  where 5 = len([...])"
    shaped = lead_with_the_point(message, None).splitlines()
    assert shaped[0] == "assert 5 == 1"
    assert shaped[1] == " +  where 5 = len([...])"
    assert shaped[2].startswith("['SELECT x") and "characters]" in shaped[2]
    assert len(shaped[2]) < CONTEXT_CHARS + 40


def test_a_bare_assertion_loses_its_prefix_and_the_lookup_noise() -> None:
    message = (
        "AssertionError: assert 10 == -1\n +  where 10 = LRUCache(…).get('a')\n"
        " +    where LRUCache(…).get = LRUCache(…).get"
    )
    assert lead_with_the_point(message, None) == "assert 10 == -1\n +  where 10 = LRUCache(…).get('a')"


def test_the_falsifying_example_is_not_repeated_in_the_message() -> None:
    example = "Falsifying example: f(\n    x=3,\n)"
    shaped = lead_with_the_point(f"assert 1 == 2\n{example}", example)
    assert shaped == "assert 1 == 2"


def test_an_error_without_assert_is_kept_line_by_line() -> None:
    assert lead_with_the_point("NotImplementedError", None) == "NotImplementedError"
    assert lead_with_the_point("ValueError: bad\nmore", None) == "ValueError: bad\nmore"


@given(st.text(max_size=2000), st.integers(min_value=10, max_value=500))
def test_elide_keeps_both_ends_and_says_how_much_went(text: str, keep: int) -> None:
    shown = elide(text, keep)
    if len(text) <= keep:
        assert shown == text
    else:
        half = keep // 2
        assert shown.startswith(text[:half]) and shown.endswith(text[-half:])
        assert f"of {len(text)} characters" in shown
        assert len(shown) <= keep + 40
