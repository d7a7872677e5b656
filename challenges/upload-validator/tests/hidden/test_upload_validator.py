"""Hidden suite for upload-validator: each rule, the order of the checks, and the result object."""

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from grader.testing import exception_mro, remote_mro, remote_type

ALL_TYPES = {"image/png", "image/jpeg", "image/gif", "application/pdf", "application/zip"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(20))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 20
GIF87 = b"GIF87a" + b"\x01\x00\x01\x00" + b"\x00" * 10
GIF89 = b"GIF89a" + b"\x01\x00\x01\x00" + b"\x00" * 10
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 16

SAMPLES = {
    "image/png": PNG,
    "image/jpeg": JPEG,
    "image/gif": GIF89,
    "application/pdf": PDF,
    "application/zip": ZIP,
}
CANONICAL = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
}
STORAGE_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg|gif|pdf|zip)")


def rejection(submission, filename, data, allowed=ALL_TYPES, max_bytes=10_000):
    with pytest.raises(ValueError) as caught:
        submission.validate_upload(filename, data, set(allowed), max_bytes)
    exc = caught.value
    assert remote_type(exc) == "UploadRejected", f"raised {remote_type(exc)} instead of UploadRejected"
    assert "ValueError" in exception_mro(exc)
    return exc.reason


def accepted(submission, filename, data, allowed=ALL_TYPES, max_bytes=10_000):
    result = submission.validate_upload(filename, data, set(allowed), max_bytes)
    assert remote_mro(result)[0] == "SafeUpload"
    return result


def check_result(result, content_type, size):
    assert result.content_type == content_type
    assert result.size == size
    name = result.storage_name
    assert type(name) is str and STORAGE_NAME.fullmatch(name), name
    assert name.endswith(CANONICAL[content_type])


# ---------------------------------------------------------------- accepted uploads


@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "filename, data, content_type",
    [
        ("photo.png", PNG, "image/png"),
        ("PHOTO.PNG", PNG, "image/png"),
        ("scan.jpg", JPEG, "image/jpeg"),
        ("scan.jpeg", JPEG, "image/jpeg"),
        ("Scan.JpEg", JPEG, "image/jpeg"),
        ("old.gif", GIF87, "image/gif"),
        ("new.GIF", GIF89, "image/gif"),
        ("report.pdf", PDF, "application/pdf"),
        ("bundle.zip", ZIP, "application/zip"),
    ],
)
def test_each_type_is_accepted_with_its_extensions(submission, filename, data, content_type):
    check_result(accepted(submission, filename, data), content_type, len(data))


@pytest.mark.parametrize(
    "data, content_type",
    [
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
    ],
)
def test_the_signature_alone_is_enough(submission, data, content_type):
    filename = "f" + CANONICAL[content_type]
    check_result(accepted(submission, filename, data), content_type, len(data))


@pytest.mark.weight(2)
def test_only_the_last_extension_counts(submission):
    check_result(accepted(submission, "shell.php.png", PNG), "image/png", len(PNG))
    check_result(accepted(submission, "a.b.c.d.pdf", PDF), "application/pdf", len(PDF))
    assert rejection(submission, "image.png.php", PNG) == "extension_mismatch"
    assert rejection(submission, "archive.zip.exe", ZIP) == "extension_mismatch"


def test_names_with_spaces_accents_and_a_leading_dot_are_fine(submission):
    for name in ["my holiday photo.png", "résumé final.png", "日本語.png", "☃.png", " .png", ".png", "-.png"]:
        check_result(accepted(submission, name, PNG), "image/png", len(PNG))


@pytest.mark.weight(2)
def test_storage_name_uses_the_canonical_extension(submission):
    assert accepted(submission, "a.JPEG", JPEG).storage_name.endswith(".jpg")
    assert accepted(submission, "a.jpeg", JPEG).storage_name.endswith(".jpg")
    assert accepted(submission, "a.PNG", PNG).storage_name.endswith(".png")
    assert accepted(submission, "a.GiF", GIF87).storage_name.endswith(".gif")


@pytest.mark.weight(6)
def test_storage_names_are_fresh_and_never_derived_from_the_name(submission):
    stems = ["deadbeefdeadbeefdeadbeefdeadbeef", "0123456789abcdef0123456789abcdef", "cafebabe", "report"]
    names = []
    for stem in stems:
        for _ in range(10):
            name = accepted(submission, stem + ".pdf", PDF).storage_name
            assert STORAGE_NAME.fullmatch(name), name
            assert stem not in name
            names.append(name)
    assert len(set(names)) == len(names)


def test_size_limit_is_inclusive(submission):
    result = accepted(submission, "x.png", PNG, max_bytes=len(PNG))
    assert result.size == len(PNG)
    assert rejection(submission, "x.png", PNG, max_bytes=len(PNG) - 1) == "too_large"


# ---------------------------------------------------------------- the result object


def test_result_is_a_dataclass_with_three_fields(submission):
    result = accepted(submission, "x.gif", GIF89)
    assert set(result.__dataclass_fields__) == {"storage_name", "content_type", "size"}


@pytest.mark.weight(2)
@pytest.mark.parametrize("field, value", [("storage_name", "evil.php"), ("content_type", "text/html"), ("size", 1)])
def test_result_is_frozen(submission, field, value):
    result = accepted(submission, "x.gif", GIF89)
    assert result.__dataclass_params__.frozen is True
    before = getattr(result, field)
    with pytest.raises(AttributeError):
        setattr(result, field, value)
    assert getattr(result, field) == before


# ---------------------------------------------------------------- each rejection reason


BAD_NAMES = [
    "",
    "../x.png",
    "a/b.png",
    "/etc/x.png",
    "a\\b.png",
    "..\\x.png",
    "x..png",
    "a..b.png",
    "..",
    "x.png\x00",
    "x\x00.png",
    "\x00",
    "tab\tname.png",
    "line\nbreak.png",
    "cr\r.png",
    "esc\x1b.png",
    "del\x7f.png",
    "c1\x85.png",
    "c1\x9f.png",
    "noextension",
    "trailingdot.",
    ".",
    "png",
]


@pytest.mark.parametrize("filename", BAD_NAMES, ids=repr)
def test_bad_names(submission, filename):
    assert rejection(submission, filename, PNG) == "bad_name"


def test_empty_data(submission):
    assert rejection(submission, "x.png", b"") == "empty"
    assert rejection(submission, "x.png", b"", max_bytes=0) == "empty"


def test_too_large(submission):
    assert rejection(submission, "x.png", PNG, max_bytes=10) == "too_large"
    assert rejection(submission, "x.pdf", b"A" * 5000, max_bytes=4999) == "too_large"
    assert rejection(submission, "x.png", b"\x01", max_bytes=0) == "too_large"


@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "data",
    [
        b"hello world",
        b"\x89PNG\r\n\x1a",  # truncated signature
        b"\x89PNG\r\n\x1a\x0a"[:-1] + b"\x0b",
        b"\xff\xd8",
        b"GIF88a" + b"\x00" * 8,
        b"GIF8",
        b"%PDF",
        b"%pdf-1.4",
        b"PK\x05\x06" + b"\x00" * 18,  # an empty zip's end record, not a local file header
        b" %PDF-1.4",  # magic bytes must be at the very start
        b"<?php echo 1; ?>",
    ],
    ids=repr,
)
def test_unknown_magic_bytes(submission, data):
    assert rejection(submission, "x.png", data) == "type_not_allowed"


def test_known_type_that_is_not_allowed(submission):
    assert rejection(submission, "doc.pdf", PDF, allowed={"image/png", "image/jpeg"}) == "type_not_allowed"
    assert rejection(submission, "x.png", PNG, allowed=set()) == "type_not_allowed"
    assert rejection(submission, "x.png", PNG, allowed={"image/jpeg", "image/gif"}) == "type_not_allowed"
    check_result(accepted(submission, "x.png", PNG, allowed={"image/png"}), "image/png", len(PNG))


@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "filename, data",
    [
        ("x.jpg", PNG),
        ("x.png", JPEG),
        ("x.pdf", ZIP),
        ("x.zip", PDF),
        ("x.gif", PNG),
        ("x.exe", PNG),
        ("x.php", GIF87),
        ("x.png ", PNG),
        ("x.jpe", JPEG),
        ("x.pngx", PNG),
    ],
    ids=repr,
)
def test_extension_mismatch(submission, filename, data):
    assert rejection(submission, filename, data) == "extension_mismatch"


# ---------------------------------------------------------------- the order of the checks


@pytest.mark.weight(2)
def test_order_examples(submission):
    assert rejection(submission, "a/b.exe", b"", allowed=set(), max_bytes=0) == "bad_name"
    assert rejection(submission, "noext", b"") == "bad_name"
    assert rejection(submission, "x.exe", b"", allowed=set(), max_bytes=0) == "empty"
    assert rejection(submission, "x.exe", b"junk", allowed=set(), max_bytes=1) == "too_large"
    assert rejection(submission, "x.exe", PNG, max_bytes=1) == "too_large"
    assert rejection(submission, "x.exe", b"junk") == "type_not_allowed"
    assert rejection(submission, "x.exe", PNG, allowed={"application/pdf"}) == "type_not_allowed"
    assert rejection(submission, "x.exe", PNG) == "extension_mismatch"


# An oracle written independently of any solution: a list of (reason, test) in order.
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
]
NAME_EXTENSIONS = {
    "image/png": ["png"],
    "image/jpeg": ["jpg", "jpeg"],
    "image/gif": ["gif"],
    "application/pdf": ["pdf"],
    "application/zip": ["zip"],
}


def oracle(filename, data, allowed, max_bytes):
    def sniffed():
        matches = [kind for magic, kind in SIGNATURES if data[: len(magic)] == magic]
        return matches[0] if matches else None

    def bad_name():
        if filename == "" or re.search(r"[/\\]|\.\.", filename):
            return True
        if any(ord(ch) <= 0x1F or 0x7F <= ord(ch) <= 0x9F for ch in filename):
            return True
        return re.search(r"\.[^.]+\Z", filename) is None

    if bad_name():
        return "bad_name"
    if len(data) == 0:
        return "empty"
    if len(data) > max_bytes:
        return "too_large"
    kind = sniffed()
    if kind is None or kind not in allowed:
        return "type_not_allowed"
    if filename[filename.rindex(".") + 1 :].lower() not in NAME_EXTENSIONS[kind]:
        return "extension_mismatch"
    return kind


NAME_FAULTS = ["/", "\\", "..", "\x00", "\n", "\t", "\x7f", "\x90", "\x1f"]
MATCHING = {
    "image/png": ["png", "PNG", "Png"],
    "image/jpeg": ["jpg", "jpeg", "JPG", "JPEG", "jPeG"],
    "image/gif": ["gif", "GIF"],
    "application/pdf": ["pdf", "PDF", "Pdf"],
    "application/zip": ["zip", "ZIP"],
}
OTHER_EXTENSIONS = ["exe", "php", "jpe", "pngx", "html", "tar", "p", "svg"]
ANY_EXTENSION = OTHER_EXTENSIONS + [ext for exts in MATCHING.values() for ext in exts]


def unknown_magic(data):
    return not any(data.startswith(magic) for magic, _ in SIGNATURES)


def chance(draw, percent):
    return draw(st.integers(0, 99)) < percent


@st.composite
def uploads(draw):
    """(filename, data, allowed, max_bytes), each check failing with a set probability.

    Faults are drawn independently, so combinations of them (and the order in which the
    checks must report them) come up as often as clean uploads do.
    """
    magic, kind = draw(st.sampled_from(SIGNATURES))
    if chance(draw, 10):
        data = b""
    elif chance(draw, 15):
        data = draw(st.binary(min_size=1, max_size=12).filter(unknown_magic))
    else:
        data = magic + draw(st.binary(max_size=12))

    if chance(draw, 30):
        extension = draw(st.sampled_from(ANY_EXTENSION))
    else:
        extension = draw(st.sampled_from(MATCHING[kind]))
    stem = draw(st.text(alphabet="abcXYZ09-_ é", max_size=6))
    if chance(draw, 40):
        stem += "." + draw(st.sampled_from(ANY_EXTENSION))
    filename = stem + "." + extension
    if chance(draw, 8):
        filename = filename[: filename.rindex(".")] + draw(st.sampled_from(["", "."]))  # no extension
    if chance(draw, 15):
        at = draw(st.integers(0, len(filename)))
        filename = filename[:at] + draw(st.sampled_from(NAME_FAULTS)) + filename[at:]
    if chance(draw, 3):
        filename = ""

    if data and chance(draw, 20):
        max_bytes = draw(st.integers(0, len(data) - 1))
    else:
        max_bytes = len(data) + draw(st.sampled_from([0, 0, 1, 100]))

    others = draw(st.sets(st.sampled_from(sorted(ALL_TYPES - {kind}))))
    allowed = others if chance(draw, 20) else others | {kind}
    return filename, data, allowed, max_bytes


@pytest.mark.weight(5)
@settings(max_examples=400)
@given(upload=uploads())
# Cases the random search must not depend on luck to meet:
@example(upload=("scan.php.jpeg", JPEG, ALL_TYPES, 10_000))
@example(upload=("PHOTO.PNG", PNG, {"image/png"}, len(PNG)))
@example(upload=(".gif", GIF87, ALL_TYPES, 100))
@example(upload=("a..b.png", b"", set(), 0))
@example(upload=("x\x85.png", PNG, ALL_TYPES, 100))
@example(upload=("x.exe", b"junk", set(), 1))
@example(upload=("x.png", b"<?php", ALL_TYPES, 100))
def test_any_upload_matches_the_oracle(submission, upload):
    filename, data, allowed, max_bytes = upload
    expected = oracle(filename, data, allowed, max_bytes)
    if expected in ALL_TYPES:
        result = submission.validate_upload(filename, data, allowed, max_bytes)
        check_result(result, expected, len(data))
    else:
        assert rejection(submission, filename, data, allowed, max_bytes) == expected


# ---------------------------------------------------------------- the result of random accepted uploads


@st.composite
def valid_uploads(draw):
    """(filename, data, allowed, max_bytes, content type) of an upload that passes every check."""
    magic, kind = draw(st.sampled_from(SIGNATURES))
    data = magic + draw(st.binary(max_size=24))
    hex_stem = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
    stem = draw(st.one_of(st.text(alphabet="abcXYZ09-_ é", max_size=6), hex_stem))
    if chance(draw, 30):
        stem += "." + draw(st.sampled_from(ANY_EXTENSION))
    filename = stem + "." + draw(st.sampled_from(MATCHING[kind]))
    allowed = draw(st.sets(st.sampled_from(sorted(ALL_TYPES - {kind})))) | {kind}
    max_bytes = len(data) + draw(st.sampled_from([0, 1, 100, 10**6]))
    return filename, data, allowed, max_bytes, kind


@settings(max_examples=40)
@given(upload=valid_uploads())
def test_accepted_uploads_get_fresh_storage_names_not_derived_from_the_name(submission, upload):
    filename, data, allowed, max_bytes, kind = upload
    first = submission.validate_upload(filename, data, set(allowed), max_bytes)
    second = submission.validate_upload(filename, data, set(allowed), max_bytes)
    for result in (first, second):
        check_result(result, kind, len(data))
        stem = filename[: filename.index(".")]
        if len(stem) >= 16:
            assert stem not in result.storage_name
    assert first.storage_name != second.storage_name, "the same arguments gave the same storage name twice"


@settings(max_examples=30)
@given(
    upload=valid_uploads(),
    field=st.sampled_from(["storage_name", "content_type", "size"]),
    value=st.one_of(st.none(), st.integers(), st.text(max_size=8)),
)
def test_results_of_accepted_uploads_are_frozen(submission, upload, field, value):
    filename, data, allowed, max_bytes, kind = upload
    result = accepted(submission, filename, data, allowed, max_bytes)
    check_result(result, kind, len(data))
    before = getattr(result, field)
    with pytest.raises(AttributeError) as caught:
        setattr(result, field, value)
    assert "FrozenInstanceError" in exception_mro(caught.value)
    assert getattr(result, field) == before
