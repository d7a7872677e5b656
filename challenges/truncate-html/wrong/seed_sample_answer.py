# wrong: the seed: a strip_tags length guard, then Truncator.chars(html=True); filter result not marked safe
# max-percent: 10
"""Django's own HTML-aware truncation, as the interview answer suggests."""

from django import template
from django.utils import html as html_utils
from django.utils import text as text_utils

register = template.Library()


def truncate_html(html, length, ellipsis="…"):
    if len(html_utils.strip_tags(html)) <= length:
        return html
    return text_utils.Truncator(html).chars(length, html=True, truncate=ellipsis)


@register.filter(name="truncate_html")
def truncate_html_filter(value, length):
    return truncate_html(value, length)
