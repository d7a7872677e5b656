# alternative: one insertion-ordered dict per priority plus a heap of the distinct priorities
"""Each priority owns a dict (insertion ordered) of task_id -> data; a min-heap
holds the priorities that may still have tasks (stale ones are dropped lazily)."""

import heapq


class TaskScheduler:
    def __init__(self):
        self.buckets = {}  # priority -> {task_id: data}, FIFO by insertion
        self.priority_of = {}  # task_id -> priority
        self.priorities = []  # heap; may hold priorities whose bucket is gone

    def add_task(self, priority, task_id, data=None):
        old = self.priority_of.get(task_id)
        if old is not None:
            self._remove(task_id, old)
        bucket = self.buckets.get(priority)
        if bucket is None:
            bucket = self.buckets[priority] = {}
            heapq.heappush(self.priorities, priority)
        bucket[task_id] = data
        self.priority_of[task_id] = priority

    def _remove(self, task_id, priority):
        bucket = self.buckets[priority]
        del bucket[task_id]
        del self.priority_of[task_id]
        if not bucket:
            del self.buckets[priority]

    def _top(self):
        while self.priorities and self.priorities[0] not in self.buckets:
            heapq.heappop(self.priorities)
        if not self.priorities:
            return None
        priority = self.priorities[0]
        task_id = next(iter(self.buckets[priority]))
        return priority, task_id

    def peek(self):
        top = self._top()
        if top is None:
            return None
        priority, task_id = top
        return (priority, task_id, self.buckets[priority][task_id])

    def get_next_task(self):
        result = self.peek()
        if result is not None:
            self._remove(result[1], result[0])
        return result

    def cancel(self, task_id):
        priority = self.priority_of.get(task_id)
        if priority is None:
            return False
        self._remove(task_id, priority)
        return True

    def __len__(self):
        return len(self.priority_of)
