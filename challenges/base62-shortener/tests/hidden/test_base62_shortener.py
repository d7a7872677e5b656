"""Hidden suite for base62-shortener: codec examples and properties, every error case, the URL
acceptance rules one by one, and an oracle-driven state machine for Shortener."""

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from grader.testing import current_submission, run_batch

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def oracle_encode(n):
    digits = ""
    while True:
        digits = ALPHABET[n % 62] + digits
        n //= 62
        if n == 0:
            return digits


def oracle_decode(s):
    return sum(ALPHABET.index(ch) * 62**power for power, ch in enumerate(reversed(s)))


def is_code(code, min_length):
    return type(code) is str and len(code) >= min_length and all(ch in ALPHABET for ch in code)


# ---------------------------------------------------------------- encode / decode


@pytest.mark.weight(3)
def test_codec_examples(submission):
    encoded = {
        0: "0",
        1: "1",
        9: "9",
        10: "a",
        35: "z",
        36: "A",
        61: "Z",
        62: "10",
        63: "11",
        3843: "ZZ",
        3844: "100",
        125: "21",
        62**6: "1000000",
    }
    assert run_batch(submission, [["encode", [n]] for n in encoded], bound_s=30) == list(encoded.values())
    decoded = {"0": 0, "a": 10, "Z": 61, "10": 62, "ZZ": 3843, "007": 7, "000": 0, "00a": 10, "zZ": 35 * 62 + 61}
    values = run_batch(submission, [["decode", [s]] for s in decoded], bound_s=30)
    assert values == list(decoded.values())
    assert all(type(value) is int for value in values)
    for n in [2**63, 2**64 + 1, 10**40, 62**30 - 1]:
        code = submission.encode(n)
        assert code == oracle_encode(n)
        assert submission.decode(code) == n


@pytest.mark.weight(2)
def test_encode_rejects_negative_numbers_and_non_ints(submission):
    for bad in [-1, -62, -(10**30), 3.0, 0.0, "5", "a", None, [1], (1,), b"1"]:
        with pytest.raises(ValueError):
            submission.encode(bad)


@pytest.mark.weight(4)
def test_encode_rejects_bools(submission):
    for bad in [True, False]:
        with pytest.raises(ValueError):
            submission.encode(bad)


@pytest.mark.weight(4)
def test_decode_rejects_the_empty_string(submission):
    with pytest.raises(ValueError):
        submission.decode("")


@pytest.mark.weight(2)
def test_decode_rejects_ascii_outside_the_alphabet_and_non_strings(submission):
    for bad in [
        " ",
        "1 ",
        " 1",
        "-1",
        "+5",
        "5.0",
        "a-b",
        "\n",
        "a_b",
        "%",
        "0x1g!",
        None,
        5,
        0,
        b"abc",
        ["a"],
        ("a",),
        True,
    ]:
        with pytest.raises(ValueError):
            submission.decode(bad)


@pytest.mark.weight(4)
def test_decode_rejects_non_ascii_letters_and_digits(submission):
    for bad in ["é", "ß", "abcé", "\u0663", "1\u0663", "\uff21", "\u00b2", "\u2160"]:
        with pytest.raises(ValueError):
            submission.decode(bad)


@pytest.mark.weight(3)
@settings(max_examples=30)
@given(numbers=st.lists(st.one_of(st.integers(0, 62**3), st.integers(0, 2**256)), min_size=1, max_size=20))
def test_encode_matches_the_oracle_and_round_trips(submission, numbers):
    codes = run_batch(submission, [["encode", [n]] for n in numbers], bound_s=30)
    assert codes == [oracle_encode(n) for n in numbers]
    assert run_batch(submission, [["decode", [c]] for c in codes], bound_s=30) == numbers


@pytest.mark.weight(3)
@settings(max_examples=30)
@given(texts=st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=25), min_size=1, max_size=20))
def test_decode_matches_the_oracle_and_canonicalises(submission, texts):
    values = run_batch(submission, [["decode", [t]] for t in texts], bound_s=30)
    assert values == [oracle_decode(t) for t in texts]
    codes = run_batch(submission, [["encode", [v]] for v in values], bound_s=30)
    assert codes == [t.lstrip("0") or "0" for t in texts]


# ---------------------------------------------------------------- Shortener: construction


@pytest.mark.weight(4)
def test_min_length_below_one_raises_value_error(submission):
    for bad in [0, -1, -100]:
        with pytest.raises(ValueError):
            submission.Shortener(bad)


@pytest.mark.weight(2)
def test_codes_respect_min_length(submission):
    shortener = submission.Shortener()
    codes = [shortener.shorten(f"https://example.com/{n}") for n in range(20)]
    assert all(is_code(code, 6) for code in codes)
    shortener = submission.Shortener(1)
    codes = run_batch(shortener, [["shorten", [f"http://h{n}.io"]] for n in range(100)], bound_s=30)
    assert all(is_code(code, 1) for code in codes)
    assert len(set(codes)) == 100


# ---------------------------------------------------------------- Shortener: URL acceptance

GOOD_URLS = [
    "http://a.com",
    "https://example.com/path?q=1&r=two#frag",
    "HTTP://EXAMPLE.COM",
    "hTTpS://x",
    "Http://x.y/z",
    "http://localhost:8000/",
    "http://user:pw@host/private",
    "http://@host",
    "http://a@b@c/",
    "http://[::1]:8000/x",
    "http://1.2.3.4",
    "http://host:notaport/",
    "http://h?q",
    "http://h#f",
    "http://例え.jp/パス",
    "https://a.com/%20encoded%0A",
]

BAD_SCHEMES = [
    "",
    "a.com",
    "//a.com",
    "http//a.com",
    "http:/a.com",
    "http:a.com",
    "ftp://a.com",
    "file:///etc/passwd",
    "mailto:a@b.com",
    "javascript:alert(1)",
    "httpx://a.com",
    "ws://a.com",
    "xhttp://a.com",
    "http\\://a.com",
]

MISSING_HOSTS = ["http://", "https://", "http:///path", "HTTPS:///", "http://?q=1", "http://#frag", "http:///?#"]

NO_HOST_BUT_AUTHORITY = ["http://user@/", "http://:80/", "https://user:pw@:443/x", "http://@", "http://a@:1?x"]

ASCII_WHITESPACE_URLS = [
    " http://a.com",
    "http://a.com ",
    "http://a .com",
    "http://a.com/\tx",
    "http://a.com/\nx",
    "http://a.com/x\r",
    "http://a.com/\x0bx",
    "http://a.com/\x0cx",
    "\thttp://a.com",
]

OTHER_WHITESPACE_URLS = [
    "http://a.com/\u00a0x",
    "http://a.com/\u2003x",
    "http://a.com/\u3000x",
    "http://a.com/\u2028x",
    "http://a.com/\x85x",
    "http://a.com/\x1fx",
    "http://a.com/\x1cx",
    "\u00a0http://a.com",
]


def assert_rejected(shortener, urls):
    for url in urls:
        with pytest.raises(ValueError):
            shortener.shorten(url)
    assert len(shortener) == 0


@pytest.mark.weight(3)
def test_accepts_every_valid_url(submission):
    shortener = submission.Shortener()
    for url in GOOD_URLS:
        assert is_code(shortener.shorten(url), 6), url
    assert len(shortener) == len(GOOD_URLS)


@pytest.mark.weight(4)
def test_length_limit_is_2048_characters(submission):
    shortener = submission.Shortener()
    longest = "https://example.org/" + "p" * (2048 - len("https://example.org/"))
    assert len(longest) == 2048
    assert_rejected(shortener, [longest + "p", longest + "/x" * 100])
    code = shortener.shorten(longest)
    assert shortener.resolve(code) == longest


@pytest.mark.weight(2)
def test_rejects_schemes_other_than_http_and_https_and_non_strings(submission):
    assert_rejected(submission.Shortener(), [*BAD_SCHEMES, None, 42, b"http://a.com", ["http://a.com"]])


@pytest.mark.weight(2)
def test_rejects_an_empty_host(submission):
    assert_rejected(submission.Shortener(), MISSING_HOSTS)


@pytest.mark.weight(4)
def test_user_info_and_port_are_not_a_host(submission):
    assert_rejected(submission.Shortener(), NO_HOST_BUT_AUTHORITY)


@pytest.mark.weight(2)
def test_rejects_ascii_whitespace_anywhere(submission):
    assert_rejected(submission.Shortener(), ASCII_WHITESPACE_URLS)


@pytest.mark.weight(4)
def test_rejects_unicode_whitespace_anywhere(submission):
    assert_rejected(submission.Shortener(), OTHER_WHITESPACE_URLS)


def test_a_rejected_url_does_not_change_the_shortener(submission):
    shortener = submission.Shortener()
    first = shortener.shorten("http://a.com/1")
    with pytest.raises(ValueError):
        shortener.shorten("ftp://a.com/1")
    second = shortener.shorten("http://a.com/2")
    assert len(shortener) == 2
    assert abs(oracle_decode(first) - oracle_decode(second)) != 1


# ---------------------------------------------------------------- Shortener: codes


@pytest.mark.weight(3)
def test_same_url_same_code_and_resolve_round_trips(submission):
    shortener = submission.Shortener()
    first = shortener.shorten("https://example.com/a")
    second = shortener.shorten("https://example.com/b")
    assert first != second
    assert shortener.shorten("https://example.com/a") == first
    assert shortener.shorten("https://example.com/b") == second
    assert len(shortener) == 2
    assert shortener.resolve(first) == "https://example.com/a"
    assert shortener.resolve(second) == "https://example.com/b"
    # URLs are compared as exact strings
    shortener = submission.Shortener()
    codes = {shortener.shorten(url) for url in ["http://a.com", "HTTP://a.com", "http://a.com/", "http://A.com"]}
    assert len(codes) == 4
    assert len(shortener) == 4


@pytest.mark.weight(2)
def test_consecutive_codes_never_decode_to_neighbours(submission):
    shortener = submission.Shortener(3)
    urls = [f"https://site.example/{n}" for n in range(300)]
    codes = run_batch(shortener, [["shorten", [url]] for url in urls], bound_s=30)
    values = [oracle_decode(code) for code in codes]
    assert all(abs(a - b) != 1 for a, b in pairwise(values))
    ordered = sorted(values)  # any two stored URLs can be shortened back to back
    assert all(b - a != 1 for a, b in pairwise(ordered))
    assert len(set(codes)) == 300
    assert all(is_code(code, 3) for code in codes)


@pytest.mark.weight(2)
def test_resolve_unknown_code_raises_key_error(submission):
    shortener = submission.Shortener()
    with pytest.raises(KeyError):
        shortener.resolve("abcdef")
    code = shortener.shorten("http://a.com")
    for other in ["", "zzzzzzzz", code + "0", "-", "é", code.upper() if code.upper() != code else code.lower()]:
        if other == code:
            continue
        with pytest.raises(KeyError):
            shortener.resolve(other)


@pytest.mark.weight(4)
def test_resolve_needs_the_exact_code(submission):
    shortener = submission.Shortener(4)
    code = shortener.shorten("http://a.com")
    for variant in ["0" + code, "00" + code, code.lstrip("0")]:
        if variant == code:
            continue
        with pytest.raises(KeyError):
            shortener.resolve(variant)


@pytest.mark.weight(2)
def test_instances_do_not_share_urls(submission):
    first = submission.Shortener()
    code = first.shorten("http://a.com")
    second = submission.Shortener()
    assert len(second) == 0
    with pytest.raises(KeyError):
        second.resolve(code)
    assert first.resolve(code) == "http://a.com"


# ---------------------------------------------------------------- Shortener: state machine

URL_POOL = [
    "http://a.com",
    "https://a.com",
    "HTTP://a.com",
    "http://b.org/x?y=1",
    "http://c.net/#f",
    "https://u:p@d.io:81/",
    "http://e.com/" + "z" * 40,
]
BAD_POOL = ["ftp://a.com", "http://", "http://a .com", "a.com", "http://:1/", "http://a.com\u3000"]


class ShortenerMachine(RuleBasedStateMachine):
    @initialize(min_length=st.integers(1, 7))
    def create(self, min_length):
        self.module = current_submission()
        self.min_length = min_length
        self.shortener = self.module.Shortener(min_length)
        self.codes = {}  # url -> code
        self.last_value = None

    def _record(self, url, code):
        assert is_code(code, self.min_length), code
        if url in self.codes:
            assert code == self.codes[url]
        else:
            assert code not in self.codes.values()
            self.codes[url] = code
        value = oracle_decode(code)
        if self.last_value is not None and value != self.last_value:
            assert abs(value - self.last_value) != 1
        self.last_value = value

    @rule(url=st.sampled_from(URL_POOL))
    def shorten_known(self, url):
        self._record(url, self.shortener.shorten(url))

    @rule(n=st.integers(0, 30))
    def shorten_fresh(self, n):
        url = f"https://fresh.example/{n}"
        self._record(url, self.shortener.shorten(url))

    @rule(url=st.sampled_from(BAD_POOL))
    def shorten_bad(self, url):
        try:
            self.shortener.shorten(url)
        except ValueError:
            return
        raise AssertionError(f"{url!r} was accepted")

    @rule(data=st.data())
    def resolve_known(self, data):
        if not self.codes:
            return
        url = data.draw(st.sampled_from(sorted(self.codes)))
        assert self.shortener.resolve(self.codes[url]) == url

    @rule(code=st.text(alphabet="0123abcXYZ", min_size=1, max_size=8))
    def resolve_other(self, code):
        if code in self.codes.values():
            return
        try:
            self.shortener.resolve(code)
        except KeyError:
            return
        raise AssertionError(f"{code!r} was never issued but resolved")

    @invariant()
    def size(self):
        if hasattr(self, "codes"):
            assert len(self.shortener) == len(self.codes)


TestShortenerMachine = pytest.mark.weight(4)(ShortenerMachine.TestCase)
TestShortenerMachine.settings = settings(max_examples=40, stateful_step_count=25)


# ---------------------------------------------------------------- scale


@pytest.mark.weight(4)
def test_forty_thousand_urls(submission):
    # The reference takes about 1 s for both batches; a list searched per call, about 25 s.
    urls = [f"https://example.com/articles/{n}?ref=feed" for n in range(40_000)]
    shortener = submission.Shortener()
    codes = run_batch(shortener, [["shorten", [url]] for url in urls], bound_s=5.0)
    assert len(set(codes)) == len(urls)
    assert all(is_code(code, 6) for code in codes)
    values = [oracle_decode(code) for code in codes]
    assert all(abs(a - b) != 1 for a, b in pairwise(values))
    resolved = run_batch(shortener, [["resolve", [code]] for code in reversed(codes)], bound_s=5.0)
    assert resolved == urls[::-1]
    assert len(shortener) == len(urls)


# ---------------------------------------------------------------- generated error cases and boundaries

not_ints = st.one_of(
    st.booleans(),
    st.integers(max_value=-1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=ALPHABET + " -.", max_size=4),
    st.none(),
    st.binary(max_size=3),
    st.lists(st.integers(0, 61), max_size=2),
)
# Letters and digits of other scripts ("é", "ß", "٣"...) as well as any other character outside ALPHABET.
foreign_characters = st.one_of(
    st.characters(categories=["Lu", "Ll", "Lt", "Lo", "Nd", "No", "Nl"]),
    st.characters(exclude_categories=["Cs"]),
).filter(lambda ch: ch not in ALPHABET)
not_codes = st.one_of(
    st.just(""),
    st.tuples(st.text(alphabet=ALPHABET, max_size=4), foreign_characters, st.text(alphabet=ALPHABET, max_size=4)).map(
        "".join
    ),
)


@settings(max_examples=40)
@given(bad_values=st.lists(not_ints, min_size=1, max_size=5))
def test_encode_rejects_generated_values_that_are_not_non_negative_ints(submission, bad_values):
    for bad in bad_values:
        with pytest.raises(ValueError):
            submission.encode(bad)


@settings(max_examples=40)
@given(bad_texts=st.lists(not_codes, min_size=1, max_size=5))
def test_decode_rejects_generated_strings_that_are_not_base62(submission, bad_texts):
    for bad in bad_texts:
        with pytest.raises(ValueError):
            submission.decode(bad)


url_prefixes = st.sampled_from(["http://a.com/", "https://example.org/", "HTTPS://x.y/", "http://u:p@h.io:81/"])


@settings(max_examples=30)
@given(
    prefix=url_prefixes,
    filler=st.text(alphabet="az09-_./~%?=&#", min_size=1, max_size=5),
    lengths=st.lists(st.integers(2040, 2056), min_size=1, max_size=6),
)
def test_generated_urls_around_the_length_limit(submission, prefix, filler, lengths):
    shortener = submission.Shortener()
    accepted = set()
    for length in lengths:
        url = prefix + (filler * length)[: length - len(prefix)]
        assert len(url) == length
        if length <= 2048:
            code = shortener.shorten(url)
            assert is_code(code, 6), code
            assert shortener.resolve(code) == url
            accepted.add(url)
        else:
            with pytest.raises(ValueError):
                shortener.shorten(url)
    assert len(shortener) == len(accepted)


@settings(max_examples=30)
@given(min_length=st.one_of(st.integers(max_value=0), st.integers(1, 8)))
def test_generated_min_lengths(submission, min_length):
    if min_length < 1:
        with pytest.raises(ValueError):
            submission.Shortener(min_length)
        return
    shortener = submission.Shortener(min_length)
    codes = [shortener.shorten(f"https://example.com/{n}") for n in range(3)]
    assert all(is_code(code, min_length) for code in codes), codes
    assert len(set(codes)) == 3


@settings(max_examples=30)
@given(
    min_length=st.integers(1, 6),
    count=st.integers(1, 4),
    zeros=st.integers(1, 3),
    noise=foreign_characters,
)
def test_resolve_refuses_generated_near_codes(submission, min_length, count, zeros, noise):
    shortener = submission.Shortener(min_length)
    urls = [f"https://site.example/{n}" for n in range(count)]
    codes = [shortener.shorten(url) for url in urls]
    for url, code in zip(urls, codes, strict=True):
        assert shortener.resolve(code) == url
        for other in ["0" * zeros + code, code.lstrip("0"), code + noise, noise + code, code[:-1] + noise]:
            if other in codes:
                continue
            with pytest.raises(KeyError):
                shortener.resolve(other)
