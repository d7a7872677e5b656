"""Visible examples for upload-validator."""

import re

import pytest


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def test_accepted_png(submission):
    result = submission.validate_upload("holiday.php.png", PNG, {"image/png", "image/jpeg"}, 1_000_000)
    assert result.content_type == "image/png"
    assert result.size == len(PNG)
    assert re.fullmatch(r"[0-9a-f]{32}\.png", result.storage_name)


@pytest.mark.parametrize(
    "filename, data, max_bytes, reason",
    [
        ("../../etc/cron.png", PNG, 1000, "bad_name"),
        ("a.png", b"", 1000, "empty"),
        ("a.png", PNG, 10, "too_large"),
        ("a.png", b"<?php system($_GET['c']); ?>", 1000, "type_not_allowed"),
        ("a.png.php", PNG, 1000, "extension_mismatch"),
    ],
)
def test_rejections(submission, filename, data, max_bytes, reason):
    with pytest.raises(ValueError) as caught:
        submission.validate_upload(filename, data, {"image/png"}, max_bytes)
    assert type(caught.value).__name__ == "UploadRejected"
    assert caught.value.reason == reason
