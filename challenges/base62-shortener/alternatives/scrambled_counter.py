# alternative: recursive codec; counter scrambled by an odd multiplier mod 62**length, zero-padded; regex checks
import re

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_MULTIPLIER = 2654435761  # odd and not a multiple of 31: a bijection modulo every power of 62
_PREFIX = re.compile(r"(?i:https?)://([^/?#]*)")


def encode(n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(n)
    head, last = divmod(n, 62)
    return (encode(head) if head else "") + ALPHABET[last]


def decode(s):
    if not isinstance(s, str) or not s or s.strip(ALPHABET):
        raise ValueError(s)
    value = 0
    for ch in s:
        value = value * 62 + ALPHABET.index(ch)
    return value


def _host(authority):
    rest = authority.rsplit("@", 1)[-1]
    if rest[:1] == "[":
        end = rest.find("]")
        return rest if end < 0 else rest[: end + 1]
    return rest.split(":", 1)[0]


def _acceptable(url):
    if type(url) is not str or len(url) > 2048 or url.split() != [url]:
        return False
    match = _PREFIX.match(url)
    return match is not None and _host(match.group(1)) != ""


class Shortener:
    def __init__(self, min_length=6):
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
            raise ValueError(min_length)
        self._length = min_length
        self._index = 0
        self._taken = set()
        self._codes = {}
        self._urls = {}

    def _fresh_code(self):
        while True:
            space = 62**self._length
            if self._index == space:
                self._length += 1
                self._index = 0
                continue
            value = self._index * _MULTIPLIER % space
            self._index += 1
            if not (value in self._taken or value - 1 in self._taken or value + 1 in self._taken):
                self._taken.add(value)
                return encode(value).rjust(self._length, "0")

    def shorten(self, url):
        if not _acceptable(url):
            raise ValueError(url)
        if url not in self._codes:
            code = self._fresh_code()
            self._codes[url] = code
            self._urls[code] = url
        return self._codes[url]

    def resolve(self, code):
        if code not in self._urls:
            raise KeyError(code)
        return self._urls[code]

    def __len__(self):
        return len(self._codes)
