"""Base62 codec and URL shortener: see prompt.md for the rules the grader checks."""

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def encode(n: int) -> str:
    """Base62 digits of `n` >= 0 ("0" for 0, no leading zeros). ValueError for anything else."""
    raise NotImplementedError


def decode(s: str) -> int:
    """The number written by the base62 digits `s` (leading zeros allowed). ValueError if invalid."""
    raise NotImplementedError


class Shortener:
    def __init__(self, min_length: int = 6) -> None:
        """An empty shortener whose codes have at least `min_length` characters (ValueError if < 1)."""
        raise NotImplementedError

    def shorten(self, url: str) -> str:
        """The code for `url` (the same code every time for the same URL). ValueError if not acceptable."""
        raise NotImplementedError

    def resolve(self, code: str) -> str:
        """The URL a code was issued for. KeyError for any other string."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of distinct URLs stored."""
        raise NotImplementedError
