"""Temporary attribute patches: see prompt.md for the rules the grader checks."""


class patched:
    """patched(target, name, value): a context manager and a decorator (sync and async functions).

    On entry sets `name` on `target` (a module, class or instance) to `value`; on exit puts
    back exactly what the target's own __dict__ held at entry (or removes the name again).
    """

    def __init__(self, target, name, value):
        raise NotImplementedError

    def __enter__(self):
        raise NotImplementedError

    def __exit__(self, exc_type, exc, tb):
        raise NotImplementedError

    def __call__(self, function):
        raise NotImplementedError
