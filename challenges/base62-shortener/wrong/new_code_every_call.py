# wrong: every call issues a new code, even for a URL already stored (len counts calls)
# max-percent: 95
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
BASE = len(ALPHABET)
MAX_URL_LENGTH = 2048
_DIGIT_VALUE = {digit: value for value, digit in enumerate(ALPHABET)}


def encode(n: int) -> str:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"encode() needs an int, got {type(n).__name__}")
    if n < 0:
        raise ValueError("encode() needs a non-negative int")
    if n == 0:
        return ALPHABET[0]
    digits = []
    while n:
        n, remainder = divmod(n, BASE)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def decode(s: str) -> int:
    if not isinstance(s, str):
        raise ValueError(f"decode() needs a str, got {type(s).__name__}")
    if not s:
        raise ValueError("decode() needs a non-empty string")
    n = 0
    for digit in s:
        value = _DIGIT_VALUE.get(digit)
        if value is None:
            raise ValueError(f"{digit!r} is not a base62 digit")
        n = n * BASE + value
    return n


def _host(rest: str) -> str:
    """The host inside `//authority/...`: without user-info and port."""
    end = len(rest)
    for stop in "/?#":
        position = rest.find(stop)
        if position != -1:
            end = min(end, position)
    host_and_port = rest[:end].rpartition("@")[2]
    if host_and_port.startswith("["):
        closing = host_and_port.find("]")
        return host_and_port if closing == -1 else host_and_port[: closing + 1]
    return host_and_port.partition(":")[0]


def is_acceptable_url(url: object) -> bool:
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        return False
    if any(ch.isspace() for ch in url):
        return False
    scheme, colon, rest = url.partition(":")
    if not colon or scheme.lower() not in ("http", "https") or not rest.startswith("//"):
        return False
    return _host(rest[2:]) != ""


class Shortener:
    def __init__(self, min_length: int = 6) -> None:
        if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
            raise ValueError("min_length must be an int >= 1")
        self._first = BASE ** (min_length - 1)
        self._code_of: dict[str, str] = {}
        self._url_of: dict[str, str] = {}

    def shorten(self, url: str) -> str:
        if not is_acceptable_url(url):
            raise ValueError("not an acceptable http(s) URL")
        code = None
        if code is None:
            code = encode(self._first + 2 * len(self._url_of))
            self._code_of[url] = code
            self._url_of[code] = url
        return code

    def resolve(self, code: str) -> str:
        return self._url_of[code]

    def __len__(self) -> int:
        return len(self._url_of)
