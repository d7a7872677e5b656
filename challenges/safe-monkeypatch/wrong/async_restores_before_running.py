# wrong: one sync wrapper for every function: for an async function the patch is undone before the coroutine runs
# max-percent: 85
"""Calling an async function only creates the coroutine, inside the patch; it runs later, outside."""

import functools

_ABSENT = object()


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"not an identifier: {name!r}")
        self.target = target
        self.name = name
        self.value = value
        self._saved = []

    def __enter__(self):
        previous = vars(self.target).get(self.name, _ABSENT)
        setattr(self.target, self.name, self.value)
        self._saved.append(previous)
        return self.value

    def __exit__(self, exc_type, exc, tb):
        previous = self._saved.pop()
        if previous is not _ABSENT:
            setattr(self.target, self.name, previous)
        elif self.name in vars(self.target):
            delattr(self.target, self.name)
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return wrapper
