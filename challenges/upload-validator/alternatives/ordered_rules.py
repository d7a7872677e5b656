# alternative: an ordered list of (reason, predicate) rules evaluated lazily; os.urandom for the name

import os
from dataclasses import dataclass, field


class UploadRejected(ValueError):
    reason: str

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SafeUpload:
    storage_name: str
    content_type: str = field(default="")
    size: int = field(default=0)


KINDS = [
    ("image/png", [b"\x89PNG\r\n\x1a\n"], ["png"]),
    ("image/jpeg", [b"\xff\xd8\xff"], ["jpg", "jpeg"]),
    ("image/gif", [b"GIF87a", b"GIF89a"], ["gif"]),
    ("application/pdf", [b"%PDF-"], ["pdf"]),
    ("application/zip", [b"PK\x03\x04"], ["zip"]),
]


def _control(ch):
    return ch < " " or "\x7f" <= ch <= "\x9f"


def _name_ok(name):
    if name == "" or any(bad in name for bad in ("/", "\\", "..")) or any(map(_control, name)):
        return False
    _, sep, tail = name.rpartition(".")
    return sep == "." and tail != ""


def _kind(data):
    for kind, magics, extensions in KINDS:
        if any(data[: len(m)] == m for m in magics):
            return kind, extensions
    return None, []


def validate_upload(filename, data, allowed, max_bytes):
    kind, extensions = None, []

    def sniff_ok():
        nonlocal kind, extensions
        kind, extensions = _kind(data)
        return kind is not None and kind in allowed

    rules = [
        ("bad_name", lambda: _name_ok(filename)),
        ("empty", lambda: len(data) > 0),
        ("too_large", lambda: len(data) <= max_bytes),
        ("type_not_allowed", sniff_ok),
        ("extension_mismatch", lambda: filename.rsplit(".", 1)[-1].casefold() in extensions),
    ]
    for reason, ok in rules:
        if not ok():
            raise UploadRejected(reason)
    return SafeUpload(os.urandom(16).hex() + "." + extensions[0], kind, len(data))
