# wrong: URLs are kept in a list of (url, code) pairs and searched linearly (O(n) per call)
# max-percent: 95
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def encode(n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(n)
    digits = [ALPHABET[n % 62]]
    n //= 62
    while n:
        digits.append(ALPHABET[n % 62])
        n //= 62
    return "".join(reversed(digits))


def decode(s):
    if not isinstance(s, str) or not s:
        raise ValueError(s)
    n = 0
    for ch in s:
        position = ALPHABET.find(ch)
        if position < 0:
            raise ValueError(s)
        n = n * 62 + position
    return n


def _ok(url):
    if not isinstance(url, str) or len(url) > 2048 or any(ch.isspace() for ch in url):
        return False
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return False
    for stop in "/?#":
        rest = rest.split(stop, 1)[0]
    host = rest.rpartition("@")[2]
    if host.startswith("["):
        return True
    return host.partition(":")[0] != ""


class Shortener:
    def __init__(self, min_length=6):
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
            raise ValueError(min_length)
        self.first = 62 ** (min_length - 1)
        self.pairs = []

    def shorten(self, url):
        if not _ok(url):
            raise ValueError(url)
        for stored, code in self.pairs:
            if stored == url:
                return code
        code = encode(self.first + 2 * len(self.pairs))
        self.pairs.append((url, code))
        return code

    def resolve(self, code):
        for url, stored in self.pairs:
            if stored == code:
                return url
        raise KeyError(code)

    def __len__(self):
        return len(self.pairs)
