# wrong: the seed's sample answer pattern: evaluates Model.objects.all()-style querysets into a processed list up front
# max-percent: 89
import csv
import datetime
import io
import json
import re

from django.http import StreamingHttpResponse

ALLOWED = ("id", "kind", "user_id", "payload", "created")


def _value(name, value):
    if value is None:
        return ""
    if name == "payload":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    if name == "created":
        return value.astimezone(datetime.UTC).isoformat()
    return str(value)


def _record(values):
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def export_csv(queryset, fields):
    if not fields or any(name not in ALLOWED for name in fields):
        raise ValueError(f"unknown fields in {fields!r}")
    large_data = queryset.all()
    processed = [_record([_value(name, getattr(item, name)) for name in fields]) for item in large_data]
    return iter([_record(fields), *processed])


def csv_response(queryset, fields, filename):
    if not isinstance(filename, str) or not re.fullmatch(r"[A-Za-z0-9._-]{1,100}", filename):
        raise ValueError(f"bad filename {filename!r}")
    response = StreamingHttpResponse(export_csv(queryset, fields), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
