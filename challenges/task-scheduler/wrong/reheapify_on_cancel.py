# wrong: correct answers, but cancel and re-add remove the old entry from the list and re-heapify (O(n) each)
# max-percent: 95
import heapq
import itertools


class TaskScheduler:
    def __init__(self):
        self.heap = []
        self.entries = {}
        self.counter = itertools.count()
        self.data = {}

    def _remove(self, task_id):
        entry = self.entries.pop(task_id)
        self.heap.remove(entry)
        heapq.heapify(self.heap)
        del self.data[task_id]

    def add_task(self, priority, task_id, data=None):
        if task_id in self.entries:
            self._remove(task_id)
        entry = (priority, next(self.counter), task_id)
        self.entries[task_id] = entry
        heapq.heappush(self.heap, entry)
        self.data[task_id] = data

    def peek(self):
        if not self.heap:
            return None
        priority, _, task_id = self.heap[0]
        return (priority, task_id, self.data[task_id])

    def get_next_task(self):
        if not self.heap:
            return None
        priority, _, task_id = heapq.heappop(self.heap)
        del self.entries[task_id]
        return (priority, task_id, self.data.pop(task_id))

    def cancel(self, task_id):
        if task_id not in self.entries:
            return False
        self._remove(task_id)
        return True

    def __len__(self):
        return len(self.heap)
