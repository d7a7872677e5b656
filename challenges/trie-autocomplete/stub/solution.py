"""Trie for autocomplete: see prompt.md for the rules the grader checks."""


class Trie:
    def __init__(self) -> None:
        """Create an empty trie."""
        raise NotImplementedError

    def insert(self, word: str) -> None:
        """Store `word` (any str, "" included); storing it again changes nothing."""
        raise NotImplementedError

    def __contains__(self, word: str) -> bool:
        """True when `word` is a stored whole word (a mere prefix is not)."""
        raise NotImplementedError

    def search_prefix(self, prefix: str, limit: int | None = None) -> list[str]:
        """Stored words starting with `prefix`, in sorted() order, at most `limit` of them.

        A negative limit raises ValueError. Time proportional to len(prefix) + output.
        """
        raise NotImplementedError

    def delete(self, word: str) -> bool:
        """Remove `word`; True if it was stored, False (and no change) otherwise."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of distinct stored words."""
        raise NotImplementedError
