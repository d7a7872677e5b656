# wrong: delete only clears the end-of-word mark, so dead branches are still walked by every later search
# max-percent: 95


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self):
        self.children = {}
        self.terminal = False


class Trie:
    def __init__(self):
        self._root = _Node()
        self._size = 0

    def insert(self, word):
        node = self._root
        for char in word:
            node = node.children.setdefault(char, _Node())
        if not node.terminal:
            node.terminal = True
            self._size += 1

    def _find(self, text):
        node = self._root
        for char in text:
            node = node.children.get(char)
            if node is None:
                return None
        return node

    def __contains__(self, word):
        node = self._find(word)
        return node is not None and node.terminal

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError("negative limit")
        found = []
        start = self._find(prefix)
        if start is None or limit == 0:
            return found
        stack = [(start, prefix)]
        while stack:
            node, text = stack.pop()
            if node.terminal:
                found.append(text)
                if len(found) == limit:
                    break
            for char in sorted(node.children, reverse=True):
                stack.append((node.children[char], text + char))
        return found

    def delete(self, word):
        node = self._find(word)
        if node is None or not node.terminal:
            return False
        node.terminal = False
        self._size -= 1
        return True

    def __len__(self):
        return self._size
