# wrong: a re-added task keeps the sequence number of its first add instead of moving to the back
# max-percent: 70
import heapq
import itertools


class TaskScheduler:
    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str]] = []
        self._live: dict[str, tuple[int, int, object]] = {}  # id -> (priority, sequence, data)
        self._sequence = itertools.count()

    def add_task(self, priority: int, task_id: str, data=None) -> None:
        current = self._live.get(task_id)
        # a re-added task keeps its original place among equal priorities
        sequence = next(self._sequence) if current is None else current[1]
        self._live[task_id] = (priority, sequence, data)
        if current is None or current[0] != priority:
            heapq.heappush(self._heap, (priority, sequence, task_id))
        self._compact_if_needed()

    def get_next_task(self):
        if not self._drop_stale_top():
            return None
        priority, _, task_id = heapq.heappop(self._heap)
        _, _, data = self._live.pop(task_id)
        return (priority, task_id, data)

    def peek(self):
        if not self._drop_stale_top():
            return None
        priority, _, task_id = self._heap[0]
        return (priority, task_id, self._live[task_id][2])

    def cancel(self, task_id: str) -> bool:
        if task_id not in self._live:
            return False
        del self._live[task_id]
        self._compact_if_needed()
        return True

    def __len__(self) -> int:
        return len(self._live)

    # ------------------------------------------------------------ internals

    def _is_live(self, entry: tuple[int, int, str]) -> bool:
        current = self._live.get(entry[2])
        return current is not None and current[:2] == entry[:2]

    def _drop_stale_top(self) -> bool:
        """Pop stale entries off the top; True when a live task is on top."""
        heap = self._heap
        while heap and not self._is_live(heap[0]):
            heapq.heappop(heap)
        return bool(heap)

    def _compact_if_needed(self) -> None:
        if len(self._heap) > 2 * len(self._live) + 32:
            self._heap = [(p, s, task_id) for task_id, (p, s, _) in self._live.items()]
            heapq.heapify(self._heap)
