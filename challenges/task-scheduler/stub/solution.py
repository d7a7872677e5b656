"""Task scheduler: see prompt.md for the rules the grader checks."""


class TaskScheduler:
    def __init__(self) -> None:
        """Create an empty scheduler."""
        raise NotImplementedError

    def add_task(self, priority: int, task_id: str, data=None) -> None:
        """Schedule `task_id` with `priority` (lower runs first) and `data`.

        Re-adding a live id replaces its priority and data and moves it behind
        every live task of its new priority.
        """
        raise NotImplementedError

    def get_next_task(self):
        """Remove and return `(priority, task_id, data)` of the next task, or None when empty."""
        raise NotImplementedError

    def peek(self):
        """Return `(priority, task_id, data)` of the next task without removing it, or None."""
        raise NotImplementedError

    def cancel(self, task_id: str) -> bool:
        """Remove a live task; True if it was live, False otherwise."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of live tasks."""
        raise NotImplementedError
