# wrong: delete removes a stored word but falls off the end without `return True`, so it returns None
# max-percent: 80


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self):
        self.children = {}
        self.terminal = False


class Trie:
    def __init__(self) -> None:
        self._root = _Node()
        self._size = 0

    def _find(self, text):
        node = self._root
        for char in text:
            node = node.children.get(char)
            if node is None:
                return None
        return node

    def insert(self, word: str) -> None:
        node = self._root
        for char in word:
            child = node.children.get(char)
            if child is None:
                child = node.children[char] = _Node()
            node = child
        if not node.terminal:
            node.terminal = True
            self._size += 1

    def __contains__(self, word) -> bool:
        node = self._find(word)
        return node is not None and node.terminal

    def search_prefix(self, prefix: str, limit: int | None = None) -> list[str]:
        if limit is not None and limit < 0:
            raise ValueError("limit must be None or a non-negative int")
        found = []
        if limit == 0:
            return found
        start = self._find(prefix)
        if start is None:
            return found
        # Depth-first, children in code-point order: a word comes before its extensions,
        # and the stack holds the rest of each visited node's children in reverse order.
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

    def delete(self, word) -> bool:
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
        # Prune the nodes that no longer lead to a word, so dead branches cost nothing later.
        for depth in range(len(word), 0, -1):
            node = path[depth]
            if node.terminal or node.children:
                break
            del path[depth - 1].children[word[depth - 1]]

    def __len__(self) -> int:
        return self._size
