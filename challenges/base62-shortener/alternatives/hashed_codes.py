# alternative: codes derived from a SHA-256 of the URL (re-salted on collision or neighbour), validation with urllib
import hashlib
import re
from urllib.parse import urlsplit

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_WHITESPACE = re.compile(r"\s")


def encode(n):
    if type(n) is not int or n < 0:
        raise ValueError("expected a non-negative int")
    out = []
    while True:
        n, digit = divmod(n, 62)
        out.append(ALPHABET[digit])
        if not n:
            return "".join(reversed(out))


def decode(s):
    if type(s) is not str or s == "":
        raise ValueError("expected a non-empty str")
    total = 0
    for ch in s:
        index = ALPHABET.find(ch)
        if index < 0:
            raise ValueError(f"bad digit {ch!r}")
        total = total * 62 + index
    return total


def _valid(url):
    if not isinstance(url, str) or len(url) > 2048 or _WHITESPACE.search(url):
        return False
    match = re.match(r"(?i)https?://", url)
    if not match:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.hostname)


class Shortener:
    def __init__(self, min_length=6):
        if type(min_length) is not int or min_length < 1:
            raise ValueError("min_length must be >= 1")
        self.min_length = min_length
        self.by_url = {}
        self.by_code = {}
        self.values = set()  # decoded values of every issued code

    def shorten(self, url):
        if not _valid(url):
            raise ValueError(f"unacceptable URL: {url!r}")
        code = self.by_url.get(url)
        if code is None:
            salt = 0
            while True:
                length = self.min_length + salt // 8  # a crowded space grows by one digit every 8 misses
                digest = hashlib.sha256(f"{salt}:{url}".encode()).digest()
                value = int.from_bytes(digest, "big") % (62**length)
                # no issued code may be a neighbour: any two stored URLs can be shortened back to back
                if not {value - 1, value, value + 1} & self.values:
                    break
                salt += 1
            code = encode(value).rjust(length, "0")
            self.values.add(value)
            self.by_url[url] = code
            self.by_code[code] = url
        return code

    def resolve(self, code):
        return self.by_code[code]

    def __len__(self):
        return len(self.by_url)
