# alternative: writes straight into the __dict__ of modules and instances and keeps an undo log of (had, old) pairs
"""Manipulates the namespace dictionaries directly instead of going through setattr/delattr everywhere."""

import functools
import inspect


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str):
            raise ValueError("name must be a str")
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not an identifier")
        self._target = target
        self._name = name
        self._value = value
        self._undo = []

    def _put(self, value):
        if isinstance(self._target, type):
            setattr(self._target, self._name, value)
        else:
            self._target.__dict__[self._name] = value

    def _drop(self):
        if isinstance(self._target, type):
            if self._name in self._target.__dict__:
                delattr(self._target, self._name)
        else:
            self._target.__dict__.pop(self._name, None)

    def __enter__(self):
        namespace = self._target.__dict__
        self._undo.append((self._name in namespace, namespace.get(self._name)))
        self._put(self._value)
        return self._value

    def __exit__(self, exc_type, exc_value, traceback):
        had, old = self._undo.pop()
        if had:
            self._put(old)
        else:
            self._drop()

    def __call__(self, function):
        enter, leave = self.__enter__, self.__exit__

        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def call_async(*args, **kwargs):
                enter()
                try:
                    return await function(*args, **kwargs)
                finally:
                    leave(None, None, None)

            return call_async

        @functools.wraps(function)
        def call(*args, **kwargs):
            enter()
            try:
                return function(*args, **kwargs)
            finally:
                leave(None, None, None)

        return call
