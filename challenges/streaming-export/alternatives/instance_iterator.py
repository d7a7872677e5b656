# alternative: model instances from queryset.iterator(chunk_size=500), hand-written quoting, a class-based iterator
import datetime
import json
import string

from django.http import StreamingHttpResponse

_SPECIAL = frozenset(',"\r\n')
_FILENAME_CHARS = frozenset(string.ascii_letters + string.digits + "._-")


def _allowed(queryset):
    return {field.name for field in queryset.model._meta.concrete_fields}


def _field(text):
    if _SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _text(name, value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if name == "payload":
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return str(value)


class _Export:
    def __init__(self, queryset, names):
        self._queryset = queryset
        self._names = names
        self._rows = None
        self._header_sent = False

    def __iter__(self):
        return self

    def __next__(self):
        if not self._header_sent:
            self._header_sent = True
            return ",".join(self._names) + "\r\n"
        if self._rows is None:
            self._rows = self._queryset.iterator(chunk_size=500)
        event = next(self._rows)  # StopIteration ends the export too
        return ",".join(_field(_text(name, getattr(event, name))) for name in self._names) + "\r\n"


def export_csv(queryset, fields):
    names = list(fields)
    allowed = _allowed(queryset)
    if not names or any(not isinstance(name, str) or name not in allowed for name in names):
        raise ValueError(f"fields must be a non-empty list of {sorted(allowed)}, got {names!r}")
    return _Export(queryset, names)


def csv_response(queryset, fields, filename):
    if not isinstance(filename, str) or not 1 <= len(filename) <= 100 or not set(filename) <= _FILENAME_CHARS:
        raise ValueError(f"invalid filename {filename!r}")
    body = (line.encode("utf-8") for line in export_csv(queryset, fields))
    response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="' + filename + '"'
    return response
