"""streaming-export: see prompt.md for the rules the grader checks."""

from collections.abc import Iterator

from activity.models import Event  # noqa: F401
from django.http import StreamingHttpResponse


def export_csv(queryset, fields: list[str]) -> Iterator[str]:
    """Header line, then one CSV record per row of `queryset`, each a str ending in "\\r\\n"; read in chunks."""
    raise NotImplementedError


def csv_response(queryset, fields: list[str], filename: str) -> StreamingHttpResponse:
    """A StreamingHttpResponse (text/csv; charset=utf-8, attachment named `filename`) over export_csv."""
    raise NotImplementedError
