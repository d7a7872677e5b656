# alternative: html.parser finds the markup spans; references counted separately; the cut found by index
"""Lets the standard library parse tags and comments; counts text itself."""

import bisect
import re
from html.parser import HTMLParser

from django import template
from django.utils.safestring import mark_safe

register = template.Library()

VOID = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"])
UNIT = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9a-fA-F]+);|.", re.DOTALL | re.ASCII)


class _Markup(HTMLParser):
    """Collects (start, end, action, name) for every tag and comment, in order."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", html)]
        self.spans = []

    def _offset(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        start = self._offset()
        action = None if tag in VOID else "push"
        self.spans.append((start, start + len(self.get_starttag_text()), action, tag))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        start = self._offset()
        self.spans.append((start, self.html.index(">", start) + 1, "pop", tag))

    def handle_comment(self, data):
        start = self._offset()
        self.spans.append((start, start + len(data) + 7, None, None))


def truncate_html(html, length, ellipsis="…"):
    if length < 0:
        raise ValueError(f"length {length} is negative")
    parser = _Markup(html)
    parser.feed(html)
    parser.close()
    # Visible units: (start, end) of each, from the gaps between markup spans.
    units = []
    previous = 0
    for start, end, _action, _name in [*parser.spans, (len(html), len(html), None, None)]:
        units.extend(m.span() for m in UNIT.finditer(html, previous, start))
        previous = end
    if len(units) <= length:
        return html
    cut = units[0][0] if length == 0 else units[length - 1][1]
    starts = [span[0] for span in parser.spans]
    open_names = []
    for _start, _end, action, name in parser.spans[: bisect.bisect_left(starts, cut)]:
        if action == "push":
            open_names.append(name)
        elif action == "pop":
            open_names.pop()
    return html[:cut] + ellipsis + "".join(f"</{name}>" for name in reversed(open_names))


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    return mark_safe(truncate_html(value, length))
