# wrong: collects every match under the prefix node, then slices: a small limit does not make a search cheap
# max-percent: 80


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

    def _collect(self, node, text, out):
        if node.terminal:
            out.append(text)
        for char in sorted(node.children):
            self._collect(node.children[char], text + char, out)

    def search_prefix(self, prefix, limit=None):
        if limit is not None and limit < 0:
            raise ValueError("negative limit")
        node = self._find(prefix)
        out = []
        if node is not None:
            self._collect(node, prefix, out)
        return out if limit is None else out[:limit]

    def delete(self, word):
        path = [self._root]
        for char in word:
            node = path[-1].children.get(char)
            if node is None:
                return False
            path.append(node)
        if not path[-1].terminal:
            return False
        path[-1].terminal = False
        self._size -= 1
        for depth in range(len(word), 0, -1):
            if path[depth].terminal or path[depth].children:
                break
            del path[depth - 1].children[word[depth - 1]]
        return True

    def __len__(self):
        return self._size
