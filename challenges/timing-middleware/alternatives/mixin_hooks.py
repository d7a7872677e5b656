# alternative: MiddlewareMixin subclass: start time kept on the request by process_request, finished in process_response
"""Hook-based middleware on Django's MiddlewareMixin (which already handles the sync/async switch)."""

import logging
import math
import time

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin

timing_log = logging.getLogger("request").getChild("timing")

_STARTED = "_timing_started_at"


class RequestTimingMiddleware(MiddlewareMixin):
    # MiddlewareMixin: sync_capable and async_capable, and marks itself a coroutine function in async mode.

    def __init__(self, get_response):
        super().__init__(get_response)
        self.slow_ms = getattr(settings, "SLOW_REQUEST_MS", 500)

    def process_request(self, request):
        setattr(request, _STARTED, time.perf_counter())

    def _elapsed(self, request):
        return (time.perf_counter() - getattr(request, _STARTED)) * 1000

    def process_response(self, request, response):
        elapsed = self._elapsed(request)
        whole = math.floor(elapsed)
        response["X-Response-Time-Ms"] = str(whole)
        if elapsed > self.slow_ms:
            timing_log.warning("%s %s is slow: %d ms", request.method, request.path, whole)
        return response

    def _failed(self, request):
        timing_log.warning("%s %s raised after %d ms", request.method, request.path, math.floor(self._elapsed(request)))

    def __call__(self, request):
        if self.async_mode:
            return self._guarded_async(request)
        try:
            return super().__call__(request)
        except Exception:
            self._failed(request)
            raise

    async def _guarded_async(self, request):
        try:
            # In async mode the mixin's __call__ returns its coroutine.
            return await super().__call__(request)
        except Exception:
            self._failed(request)
            raise
