# wrong: closing tags copy the original case of the start tag instead of lower case
# max-percent: 95
""" "<DIV>" is closed with "</DIV>"."""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

VOID_ELEMENTS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)

TOKEN = re.compile(
    r"""
    (?P<comment><!--.*?-->)
  | </(?P<end>[A-Za-z][^\s/>]*)[^>]*>
  | <(?P<start>[A-Za-z][^\s/>]*)(?:[^>"']|"[^"]*"|'[^']*')*>
  | (?P<ref>&(?:[A-Za-z][A-Za-z0-9]*|\#[0-9]+|\#[xX][0-9A-Fa-f]+);)
  | (?P<text>[^<&]+|&)
    """,
    re.DOTALL | re.VERBOSE,
)


def _size(match):
    """Visible characters in a token: a reference is one, text is its length, markup is none."""
    if match.lastgroup == "ref":
        return 1
    if match.lastgroup == "text":
        return len(match.group())
    return 0


def truncate_html(html, length, ellipsis="…"):
    if length < 0:
        raise ValueError(f"length must be at least 0, got {length}")
    tokens = list(TOKEN.finditer(html))
    if sum(_size(match) for match in tokens) <= length:
        return html
    open_elements = []
    seen = 0
    for match in tokens:
        kind = match.lastgroup
        if kind == "start":
            name = match.group("start")
            if name.lower() not in VOID_ELEMENTS:
                open_elements.append(name)
        elif kind == "end":
            open_elements.pop()
        elif kind != "comment":
            size = _size(match)
            if seen + size >= length:
                # This token holds the last character kept (or, for length 0, the first one dropped).
                if kind == "text":
                    cut = match.start() + length - seen
                else:
                    cut = match.end() if length > seen else match.start()
                closing = "".join(f"</{name}>" for name in reversed(open_elements))
                return html[:cut] + ellipsis + closing
            seen += size
    raise AssertionError("unreachable: the input has more than `length` visible characters")


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    return mark_safe(truncate_html(value, length))
