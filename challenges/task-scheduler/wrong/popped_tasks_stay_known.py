# wrong: get_next_task keeps the popped id in the index: cancel() of a popped task says True, len() is off
# max-percent: 65
import heapq
import itertools

REMOVED = object()


class TaskScheduler:
    def __init__(self):
        self.heap = []
        self.entry_finder = {}
        self.counter = itertools.count()

    def add_task(self, priority, task_id, data=None):
        if task_id in self.entry_finder:
            self.entry_finder[task_id][2] = REMOVED
        entry = [priority, next(self.counter), task_id, data]
        self.entry_finder[task_id] = entry
        heapq.heappush(self.heap, entry)

    def _clean(self):
        while self.heap and self.heap[0][2] is REMOVED:
            heapq.heappop(self.heap)

    def get_next_task(self):
        self._clean()
        if not self.heap:
            return None
        priority, _, task_id, data = heapq.heappop(self.heap)
        return (priority, task_id, data)

    def peek(self):
        self._clean()
        if not self.heap:
            return None
        priority, _, task_id, data = self.heap[0]
        return (priority, task_id, data)

    def cancel(self, task_id):
        entry = self.entry_finder.pop(task_id, None)
        if entry is None:
            return False
        entry[2] = REMOVED
        return True

    def __len__(self):
        return len(self.entry_finder)
