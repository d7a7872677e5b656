"""Request timing middleware for sync and async Django stacks."""

import logging
import time

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings

logger = logging.getLogger("request.timing")

HEADER = "X-Response-Time-Ms"
DEFAULT_SLOW_MS = 500


class RequestTimingMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            # Django awaits an instance only when it looks like a coroutine function.
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self._call_async(request)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            _report_failure(request, started)
            raise
        return _finish(request, started, response)

    async def _call_async(self, request):
        started = time.perf_counter()
        try:
            response = await self.get_response(request)
        except Exception:
            _report_failure(request, started)
            raise
        return _finish(request, started, response)


def _elapsed_ms(started):
    return (time.perf_counter() - started) * 1000


def _finish(request, started, response):
    elapsed = _elapsed_ms(started)
    response[HEADER] = str(int(elapsed))
    if elapsed > getattr(settings, "SLOW_REQUEST_MS", DEFAULT_SLOW_MS):
        logger.warning("slow request: %s %s took %d ms", request.method, request.path, int(elapsed))
    return response


def _report_failure(request, started):
    logger.warning("request failed: %s %s after %d ms", request.method, request.path, int(_elapsed_ms(started)))
