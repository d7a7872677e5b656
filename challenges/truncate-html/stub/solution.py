"""Truncate HTML by visible characters: see prompt.md for the rules the grader checks."""

from django import template

register = template.Library()


def truncate_html(html: str, length: int, ellipsis: str = "…") -> str:
    """Keep the first `length` visible characters of `html`, add `ellipsis`, close what is still open.

    Raises ValueError when length < 0. Returns `html` unchanged when it has at most `length`
    visible characters.
    """
    raise NotImplementedError


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    """{{ value|truncate_html:n }}: truncate_html(value, n), marked safe."""
    raise NotImplementedError
