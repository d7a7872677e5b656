import pytest


def test_codec_examples(submission):
    assert submission.encode(0) == "0"
    assert submission.encode(61) == "Z"
    assert submission.encode(62) == "10"
    assert submission.decode("007") == 7
    with pytest.raises(ValueError):
        submission.encode(True)
    with pytest.raises(ValueError):
        submission.decode("")


def test_shortener_example(submission):
    shortener = submission.Shortener()
    code = shortener.shorten("https://example.com/a")
    assert len(code) >= 6
    assert shortener.shorten("https://example.com/a") == code
    assert shortener.resolve(code) == "https://example.com/a"
    with pytest.raises(ValueError):
        shortener.shorten("ftp://example.com")
    with pytest.raises(KeyError):
        shortener.resolve("nope")
    assert len(shortener) == 1
