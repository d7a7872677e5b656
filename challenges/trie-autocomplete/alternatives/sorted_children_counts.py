# alternative: children kept in code-point order with bisect.insort, subtree word counts instead of pruning
import bisect


class _Node:
    __slots__ = ("keys", "kids", "end", "words")

    def __init__(self):
        self.keys = []  # sorted child characters
        self.kids = {}
        self.end = False
        self.words = 0  # words stored in this subtree


class Trie:
    def __init__(self):
        self._root = _Node()

    def _path(self, text):
        path = [self._root]
        for char in text:
            nxt = path[-1].kids.get(char)
            if nxt is None:
                return None
            path.append(nxt)
        return path

    def insert(self, word):
        if word in self:
            return
        node = self._root
        node.words += 1
        for char in word:
            nxt = node.kids.get(char)
            if nxt is None:
                nxt = node.kids[char] = _Node()
                bisect.insort(node.keys, char)
            node = nxt
            node.words += 1
        node.end = True

    def __contains__(self, word):
        path = self._path(word)
        return path is not None and path[-1].end

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError("limit must be >= 0")
        path = self._path(prefix)
        out = []
        if path is None:
            return out
        want = path[-1].words if limit is None else min(limit, path[-1].words)
        stack = [(path[-1], prefix)]
        while stack and len(out) < want:
            node, text = stack.pop()
            if node.words == 0:
                continue  # an emptied branch: skipped without looking inside
            if node.end:
                out.append(text)
            for char in reversed(node.keys):
                kid = node.kids[char]
                if kid.words:
                    stack.append((kid, text + char))
        return out

    def delete(self, word):
        path = self._path(word)
        if path is None or not path[-1].end:
            return False
        path[-1].end = False
        for node in path:
            node.words -= 1
        return True

    def __len__(self):
        return self._root.words
