# alternative: regular expressions for the name, a prefix-length lookup for the magic bytes, uuid4().hex names

import re
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SafeUpload:
    storage_name: str
    content_type: str
    size: int


class UploadRejected(ValueError):
    def __init__(self, reason):
        self.reason = reason
        super().__init__(f"upload rejected: {reason}")


_FORBIDDEN = re.compile(r"[/\\\x00-\x1f\x7f-\x9f]|\.\.")
_LAST_EXTENSION = re.compile(r"\.([^.]+)\Z")
_MAGIC = {
    8: {b"\x89PNG\r\n\x1a\n": "image/png"},
    3: {b"\xff\xd8\xff": "image/jpeg"},
    6: {b"GIF87a": "image/gif", b"GIF89a": "image/gif"},
    5: {b"%PDF-": "application/pdf"},
    4: {b"PK\x03\x04": "application/zip"},
}
_BY_EXTENSION = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "pdf": "application/pdf",
    "zip": "application/zip",
}
_STORED_AS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "application/pdf": "pdf",
    "application/zip": "zip",
}


def validate_upload(filename, data, allowed, max_bytes):
    extension = _LAST_EXTENSION.search(filename)
    if not filename or _FORBIDDEN.search(filename) or extension is None:
        raise UploadRejected("bad_name")
    size = len(data)
    if size == 0:
        raise UploadRejected("empty")
    if size > max_bytes:
        raise UploadRejected("too_large")
    kind = None
    for length, table in _MAGIC.items():
        kind = table.get(bytes(data[:length]))
        if kind:
            break
    if kind is None or kind not in allowed:
        raise UploadRejected("type_not_allowed")
    if _BY_EXTENSION.get(extension.group(1).lower()) != kind:
        raise UploadRejected("extension_mismatch")
    return SafeUpload(f"{uuid.uuid4().hex}.{_STORED_AS[kind]}", kind, size)
