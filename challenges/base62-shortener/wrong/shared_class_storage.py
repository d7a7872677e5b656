# wrong: the URL tables are class attributes, so every Shortener instance shares them
# max-percent: 90
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def encode(n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(n)
    digits = ""
    while True:
        n, r = divmod(n, 62)
        digits = ALPHABET[r] + digits
        if n == 0:
            return digits


def decode(s):
    if not isinstance(s, str) or not s or any(ch not in _INDEX for ch in s):
        raise ValueError(s)
    n = 0
    for ch in s:
        n = n * 62 + _INDEX[ch]
    return n


def _ok(url):
    if not isinstance(url, str) or len(url) > 2048 or any(ch.isspace() for ch in url):
        return False
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        return False
    authority = rest
    for stop in "/?#":
        authority = authority.split(stop, 1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):
        return True
    return host.partition(":")[0] != ""


class Shortener:
    codes = {}  # noqa: RUF012  (the mistake: one dict shared by every instance)
    urls = {}  # noqa: RUF012

    def __init__(self, min_length=6):
        if min_length < 1:
            raise ValueError(min_length)
        self.base = 62 ** (min_length - 1)

    def shorten(self, url):
        if not _ok(url):
            raise ValueError(url)
        if url not in self.codes:
            code = encode(self.base + 3 * len(self.codes))
            self.codes[url] = code
            self.urls[code] = url
        return self.codes[url]

    def resolve(self, code):
        return self.urls[code]

    def __len__(self):
        return len(self.codes)
