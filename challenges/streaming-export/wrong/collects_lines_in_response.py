# wrong: csv_response collects every line into a list before building the (streaming) response
# max-percent: 96
import csv
import datetime
import io
import json
import re

from django.http import StreamingHttpResponse

FIELDS = ("id", "kind", "user_id", "payload", "created")


def _render(name, value):
    if value is None:
        return ""
    if name == "payload":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if name == "created":
        return value.astimezone(datetime.UTC).isoformat()
    return str(value)


def _generate(queryset, names):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    rows = [names]
    for values in queryset.values_list(*names).iterator():
        rows.append([_render(name, value) for name, value in zip(names, values, strict=True)])
        if len(rows) > 1:
            for row in rows:
                writer.writerow(row)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
            rows = []
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def export_csv(queryset, fields):
    names = list(fields)
    if not names or any(not isinstance(name, str) or name not in FIELDS for name in names):
        raise ValueError(f"bad fields {names!r}")
    return _generate(queryset, names)


def csv_response(queryset, fields, filename):
    if not isinstance(filename, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", filename):
        raise ValueError(f"bad filename {filename!r}")
    lines = list(export_csv(queryset, fields))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
