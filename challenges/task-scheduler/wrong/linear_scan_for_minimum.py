# wrong: correct answers, but every peek/pop scans all live tasks for the minimum (O(n) per operation)
# max-percent: 95
import itertools


class TaskScheduler:
    def __init__(self):
        self.tasks = {}
        self.counter = itertools.count()

    def add_task(self, priority, task_id, data=None):
        self.tasks.pop(task_id, None)
        self.tasks[task_id] = (priority, next(self.counter), data)

    def peek(self):
        if not self.tasks:
            return None
        best = None
        for task_id, (priority, serial, data) in self.tasks.items():
            if best is None or (priority, serial) < best[0]:
                best = ((priority, serial), task_id, data)
        return (best[0][0], best[1], best[2])

    def get_next_task(self):
        task = self.peek()
        if task is not None:
            del self.tasks[task[1]]
        return task

    def cancel(self, task_id):
        return self.tasks.pop(task_id, None) is not None

    def __len__(self):
        return len(self.tasks)
