# alternative: a function factory marked with sync_and_async_middleware, returning a plain or an async closure
"""Function-based middleware: the factory picks a sync or an async closure once, at build time."""

import logging
from time import perf_counter

from asgiref.sync import iscoroutinefunction
from django.conf import settings
from django.utils.decorators import sync_and_async_middleware

log = logging.getLogger("request.timing")


class _Stopwatch:
    """Started on creation; `ms` is the elapsed float milliseconds at the time it is read."""

    def __init__(self):
        self.begin = perf_counter()

    @property
    def ms(self):
        return 1000.0 * (perf_counter() - self.begin)


def _describe(request, ms):
    return f"{request.method} {request.path} in {int(ms)}ms"


@sync_and_async_middleware
def RequestTimingMiddleware(get_response):
    limit = getattr(settings, "SLOW_REQUEST_MS", 500)

    def stamp(request, response, ms):
        response.headers["X-Response-Time-Ms"] = f"{int(ms)}"
        if ms > limit:
            log.warning("Slow: %s", _describe(request, ms))
        return response

    if iscoroutinefunction(get_response):

        async def middleware(request):
            watch = _Stopwatch()
            try:
                response = await get_response(request)
            except Exception:
                log.warning("Failed: %s", _describe(request, watch.ms))
                raise
            return stamp(request, response, watch.ms)

    else:

        def middleware(request):
            watch = _Stopwatch()
            try:
                response = get_response(request)
            except Exception:
                log.warning("Failed: %s", _describe(request, watch.ms))
                raise
            return stamp(request, response, watch.ms)

    return middleware
