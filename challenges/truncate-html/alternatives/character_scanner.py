# alternative: one hand-written left-to-right character scanner, no regular expressions
"""Scans once, by hand; truncation is decided only when a visible character beyond `length` shows up."""

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ASCII_LETTERS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
DECIMAL = set("0123456789")
HEXADECIMAL = DECIMAL | set("abcdefABCDEF")


def _reference_length(html, at):
    """Length of the character reference at html[at] ('&'), or 1 for a bare ampersand."""
    size = len(html)
    k = at + 1
    if k < size and html[k] == "#":
        k += 1
        digits = DECIMAL
        if k < size and html[k] in "xX":
            digits = HEXADECIMAL
            k += 1
        begin = k
        while k < size and html[k] in digits:
            k += 1
        ok = k > begin
    else:
        ok = k < size and html[k] in ASCII_LETTERS
        while k < size and (html[k] in ASCII_LETTERS or html[k] in DECIMAL):
            k += 1
    if ok and k < size and html[k] == ";":
        return k + 1 - at
    return 1


def _markup_end(html, at):
    """Index just past the tag or comment starting at html[at] ('<')."""
    if html.startswith("<!--", at):
        return html.index("-->", at + 4) + 3
    quote = ""
    k = at + 1
    while True:
        char = html[k]
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ">":
            return k + 1
        k += 1


def _tag_name(tag):
    k = 2 if tag[1] == "/" else 1
    end = k
    while tag[end] not in " \t\n\r\f/>":
        end += 1
    return tag[k:end].lower()


def truncate_html(html, length, ellipsis="…"):
    if length < 0:
        raise ValueError("length cannot be negative")
    stack = []
    count = 0
    cut = None
    kept_stack = None
    i = 0
    while i < len(html):
        if html[i] == "<":
            end = _markup_end(html, i)
            tag = html[i:end]
            if not tag.startswith("<!--"):
                if tag[1] == "/":
                    stack.pop()
                elif _tag_name(tag) not in VOID:
                    stack.append(_tag_name(tag))
            i = end
            continue
        step = _reference_length(html, i) if html[i] == "&" else 1
        if count == length:
            # A visible character beyond the limit: truncation is needed.
            if length == 0:
                cut, kept_stack = i, list(stack)
            return html[:cut] + ellipsis + "".join("</" + name + ">" for name in kept_stack[::-1])
        count += 1
        i += step
        if count == length:
            cut, kept_stack = i, list(stack)
    return html


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    return mark_safe(truncate_html(value, length))
