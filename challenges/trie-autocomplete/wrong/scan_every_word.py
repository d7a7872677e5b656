# wrong: keeps a set and scans every stored word on each search (time proportional to the vocabulary)
# max-percent: 80


class Trie:
    def __init__(self):
        self._words = set()

    def insert(self, word):
        self._words.add(word)

    def __contains__(self, word):
        return word in self._words

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError("negative limit")
        found = sorted(word for word in self._words if word.startswith(prefix))
        return found if limit is None else found[:limit]

    def delete(self, word):
        if word in self._words:
            self._words.discard(word)
            return True
        return False

    def __len__(self):
        return len(self._words)
