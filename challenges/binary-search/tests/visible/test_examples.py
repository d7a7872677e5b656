"""Examples from the prompt. The hidden suite passes a sequence that counts len() calls and item accesses."""


class Rows:
    """A read-only sequence: len() and int indexing only."""

    def __init__(self, items):
        self._items = list(items)

    def __len__(self):
        return len(self._items)

    def __getitem__(self, index):
        if type(index) is not int or not 0 <= index < len(self._items):
            raise IndexError(index)
        return self._items[index]

    def __iter__(self):
        raise TypeError("this sequence cannot be iterated")


def test_leftmost_match_and_missing_target(submission):
    rows = [3, 5, 5, 5, 8, 13]
    assert submission.binary_search(Rows(rows), 5) == 1
    assert submission.binary_search(Rows(rows), 4) is None


def test_key_is_applied_to_items(submission):
    words = Rows(["a", "to", "be", "tea", "cake"])
    assert submission.binary_search(words, 3, key=lambda word: len(word)) == 3


def test_bisect_range(submission):
    rows = [3, 5, 5, 5, 8, 13]
    assert submission.bisect_range(Rows(rows), 5, 13) == (1, 5)
    assert submission.bisect_range(Rows(rows), 9, 2) == (5, 5)
