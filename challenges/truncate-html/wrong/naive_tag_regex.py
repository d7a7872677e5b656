# wrong: finds markup with <[^>]*>, so a ">" inside a quoted attribute value or a comment ends the tag early
# max-percent: 85
"""Splits on a naive tag pattern; everything else is text with references counted once."""

import re

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

VOID_ELEMENTS = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)
MARKUP = re.compile(r"<[^>]*>")
UNIT = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);|.", re.DOTALL)


def _pieces(html):
    position = 0
    for tag in MARKUP.finditer(html):
        for unit in UNIT.finditer(html, position, tag.start()):
            yield "char", unit
        yield "tag", tag
        position = tag.end()
    for unit in UNIT.finditer(html, position):
        yield "char", unit


def truncate_html(html, length, ellipsis="…"):
    if length < 0:
        raise ValueError("negative length")
    pieces = list(_pieces(html))
    if sum(1 for kind, _ in pieces if kind == "char") <= length:
        return html
    stack = []
    seen = 0
    for kind, match in pieces:
        if kind == "tag":
            text = match.group()
            if text.startswith("<!--"):
                continue
            name = re.match(r"</?([A-Za-z][^\s/>]*)", text)
            if name is None:
                continue
            tag = name.group(1).lower()
            if text.startswith("</"):
                if stack:
                    stack.pop()
            elif tag not in VOID_ELEMENTS:
                stack.append(tag)
            continue
        if length == 0:
            cut = match.start()
            break
        seen += 1
        if seen == length:
            cut = match.end()
            break
    return html[:cut] + ellipsis + "".join(f"</{tag}>" for tag in reversed(stack))


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    return mark_safe(truncate_html(value, length))
