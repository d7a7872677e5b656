# alternative: hand-written indexed binary heap with true O(log n) removal (no stale entries)
"""Positions of every task are tracked so cancel and re-add remove the entry in place."""


class _Node:
    __slots__ = ("data", "index", "key", "task_id")

    def __init__(self, key, task_id, data):
        self.key = key
        self.task_id = task_id
        self.data = data
        self.index = -1


class TaskScheduler:
    def __init__(self):
        self.heap = []
        self.nodes = {}
        self.serial = 0

    def __len__(self):
        return len(self.heap)

    def add_task(self, priority, task_id, data=None):
        if task_id in self.nodes:
            self._delete(self.nodes[task_id])
        self.serial += 1
        node = _Node((priority, self.serial), task_id, data)
        self.nodes[task_id] = node
        node.index = len(self.heap)
        self.heap.append(node)
        self._up(node.index)

    def peek(self):
        if not self.heap:
            return None
        node = self.heap[0]
        return (node.key[0], node.task_id, node.data)

    def get_next_task(self):
        if not self.heap:
            return None
        node = self.heap[0]
        self._delete(node)
        return (node.key[0], node.task_id, node.data)

    def cancel(self, task_id):
        node = self.nodes.get(task_id)
        if node is None:
            return False
        self._delete(node)
        return True

    def _delete(self, node):
        del self.nodes[node.task_id]
        last = self.heap.pop()
        if last is not node:
            position = node.index
            self.heap[position] = last
            last.index = position
            self._up(position)
            self._down(last.index)

    def _swap(self, i, j):
        heap = self.heap
        heap[i], heap[j] = heap[j], heap[i]
        heap[i].index = i
        heap[j].index = j

    def _up(self, i):
        heap = self.heap
        while i > 0:
            parent = (i - 1) // 2
            if heap[i].key < heap[parent].key:
                self._swap(i, parent)
                i = parent
            else:
                break

    def _down(self, i):
        heap = self.heap
        size = len(heap)
        while True:
            smallest = i
            for child in (2 * i + 1, 2 * i + 2):
                if child < size and heap[child].key < heap[smallest].key:
                    smallest = child
            if smallest == i:
                return
            self._swap(i, smallest)
            i = smallest
