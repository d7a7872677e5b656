# wrong: returns a regular (mutable) dataclass
# max-percent: 95

import secrets
import unicodedata
from dataclasses import dataclass


@dataclass
class SafeUpload:
    storage_name: str
    content_type: str
    size: int


class UploadRejected(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Magic bytes, in no particular order: no signature is a prefix of another.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
)

# Content type -> (extensions accepted in the user's name, canonical storage extension).
_EXTENSIONS = {
    "image/png": ({"png"}, ".png"),
    "image/jpeg": ({"jpg", "jpeg"}, ".jpg"),
    "image/gif": ({"gif"}, ".gif"),
    "application/pdf": ({"pdf"}, ".pdf"),
    "application/zip": ({"zip"}, ".zip"),
}


def _has_bad_name(filename: str) -> bool:
    if not filename or "/" in filename or "\\" in filename or ".." in filename:
        return True
    if any(unicodedata.category(ch) == "Cc" for ch in filename):
        return True
    _, dot, extension = filename.rpartition(".")
    return not dot or not extension


def _sniff(data: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def validate_upload(filename: str, data: bytes, allowed: set[str], max_bytes: int) -> SafeUpload:
    if _has_bad_name(filename):
        raise UploadRejected("bad_name")
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large")
    content_type = _sniff(data)
    if content_type is None or content_type not in allowed:
        raise UploadRejected("type_not_allowed")
    accepted, canonical = _EXTENSIONS[content_type]
    if filename.rpartition(".")[2].lower() not in accepted:
        raise UploadRejected("extension_mismatch")
    return SafeUpload(secrets.token_hex(16) + canonical, content_type, len(data))
