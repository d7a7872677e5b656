# wrong: the seed's add_to_class idea: the attribute is set on entry and simply left there, nothing is restored
# max-percent: 15
"""A permanent patch, as in the interview answer that installs a method on a model class for good."""

import functools
import inspect


class patched:
    def __init__(self, target, name, value):
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(name)
        self.target, self.name, self.value = target, name, value

    def __enter__(self):
        setattr(self.target, self.name, self.value)
        return self.value

    def __exit__(self, *exc_info):
        return False

    def __call__(self, function):
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args, **kwargs):
                with self:
                    return await function(*args, **kwargs)

            return async_wrapper

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with self:
                return function(*args, **kwargs)

        return wrapper
