# alternative: plain nested dicts with an end-of-word sentinel key, a recursive generator cut by islice
from itertools import islice

_END = object()


class Trie:
    def __init__(self):
        self._root = {}
        self._count = 0

    def _walk(self, text):
        node = self._root
        for char in text:
            if char not in node:
                return None
            node = node[char]
        return node

    def insert(self, word):
        node = self._root
        for char in word:
            node = node.setdefault(char, {})
        if _END not in node:
            node[_END] = True
            self._count += 1

    def __contains__(self, word):
        node = self._walk(word)
        return node is not None and _END in node

    def _words(self, node, text):
        if _END in node:
            yield text
        for char in sorted(key for key in node if key is not _END):
            yield from self._words(node[char], text + char)

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError(f"limit must not be negative, got {limit}")
        node = self._walk(prefix)
        if node is None:
            return []
        return list(islice(self._words(node, prefix), limit))

    def delete(self, word):
        trail = []
        node = self._root
        for char in word:
            if char not in node:
                return False
            trail.append((node, char))
            node = node[char]
        if _END not in node:
            return False
        del node[_END]
        self._count -= 1
        while trail and not node:
            parent, char = trail.pop()
            del parent[char]
            node = parent
        return True

    def __len__(self):
        return self._count
