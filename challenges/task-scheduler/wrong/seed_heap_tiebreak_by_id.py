# wrong: the seed's heap of (priority, task_id, data), rewritten: ties by id, re-adds duplicate, data compared
# max-percent: 35
import heapq


class TaskScheduler:
    def __init__(self):
        self._queue = []
        self._dead = set()

    def __len__(self):
        return len(self._queue) - len(self._dead)

    def add_task(self, priority, task_id, data=None):
        if task_id in self._dead:
            self._dead.remove(task_id)
        heapq.heappush(self._queue, (priority, task_id, data))

    def _drop_dead(self):
        while len(self._queue) > 0 and self._queue[0][1] in self._dead:
            entry = heapq.heappop(self._queue)
            self._dead.discard(entry[1])

    def peek(self):
        self._drop_dead()
        return None if not self._queue else self._queue[0]

    def get_next_task(self):
        self._drop_dead()
        return None if not self._queue else heapq.heappop(self._queue)

    def cancel(self, task_id):
        live = [entry for entry in self._queue if entry[1] == task_id]
        if not live or task_id in self._dead:
            return False
        self._dead.add(task_id)
        return True
