"""Upload validator: see prompt.md for the rules the grader checks."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SafeUpload:
    """What may be stored: a server-chosen name, the sniffed content type, the size in bytes."""

    storage_name: str
    content_type: str
    size: int


class UploadRejected(ValueError):
    """Raised for a rejected upload; `reason` is one of the five reason strings."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_upload(filename: str, data: bytes, allowed: set[str], max_bytes: int) -> SafeUpload:
    """Check the upload in the prompt's order; return a SafeUpload or raise UploadRejected."""
    raise NotImplementedError
