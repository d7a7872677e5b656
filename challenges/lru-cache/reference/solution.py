"""Reference: a hash map over the nodes of a circular doubly linked list with a sentinel."""


class _Node:
    __slots__ = ("key", "value", "prev", "next")

    def __init__(self, key=None, value=None):
        self.key = key
        self.value = value
        self.prev = self
        self.next = self


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._capacity = capacity
        self._nodes = {}
        self._head = _Node()  # head.next is the most recent, head.prev the least recent

    def _unlink(self, node):
        node.prev.next = node.next
        node.next.prev = node.prev

    def _push_front(self, node):
        node.prev = self._head
        node.next = self._head.next
        self._head.next.prev = node
        self._head.next = node

    def get(self, key):
        node = self._nodes.get(key)
        if node is None:
            return -1
        self._unlink(node)
        self._push_front(node)
        return node.value

    def put(self, key, value) -> None:
        node = self._nodes.get(key)
        if node is not None:
            node.value = value
            self._unlink(node)
            self._push_front(node)
            return
        node = _Node(key, value)
        self._nodes[key] = node
        self._push_front(node)
        if len(self._nodes) > self._capacity:
            oldest = self._head.prev
            self._unlink(oldest)
            del self._nodes[oldest.key]

    def __len__(self) -> int:
        return len(self._nodes)
