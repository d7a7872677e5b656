# alternative: reads the queryset page by page through slices (LIMIT/OFFSET, 1,000 rows a query), csv.writer into a sink
import csv
import datetime
import json
import re

from django.http import StreamingHttpResponse

ALLOWED = {"id", "kind", "user_id", "payload", "created"}
PAGE = 1000


class _Sink:
    """A file-like object for csv.writer that keeps only what was written since the last take()."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    def take(self):
        text = "".join(self.parts)
        self.parts.clear()
        return text


def _convert(name, value):
    if value is None:
        return ""
    if name == "created":
        return value.astimezone(datetime.UTC).isoformat()
    if name == "payload":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return str(value)


def _generate(queryset, names):
    sink = _Sink()
    writer = csv.writer(sink, lineterminator="\r\n")
    writer.writerow(names)
    yield sink.take()
    start = 0
    while True:
        page = list(queryset[start : start + PAGE].values_list(*names))
        for row in page:
            writer.writerow([_convert(name, value) for name, value in zip(names, row, strict=True)])
            yield sink.take()
        if len(page) < PAGE:
            return
        start += PAGE


def export_csv(queryset, fields):
    if not isinstance(fields, (list, tuple)) or len(fields) == 0:
        raise ValueError("fields: a non-empty list of field names is required")
    bad = [name for name in fields if not isinstance(name, str) or name not in ALLOWED]
    if bad:
        raise ValueError(f"unknown fields: {bad!r}")
    return _generate(queryset, list(fields))


def csv_response(queryset, fields, filename):
    if not isinstance(filename, str) or re.fullmatch(r"[-A-Za-z0-9._]{1,100}", filename, flags=re.ASCII) is None:
        raise ValueError(f"filename not allowed: {filename!r}")
    # The prompt allows text/csv with no charset parameter.
    response = StreamingHttpResponse(export_csv(queryset, fields), content_type="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
