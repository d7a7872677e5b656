# wrong: a correct sync middleware that is not async capable: no coroutine for an async get_response
# max-percent: 80
"""Sync-only timing middleware (Django would adapt it with a thread under ASGI)."""

import logging
import time

from django.conf import settings

logger = logging.getLogger("request.timing")


class RequestTimingMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            spent = (time.perf_counter() - started) * 1000
            logger.warning("failed: %s %s after %d ms", request.method, request.path, int(spent))
            raise
        spent = (time.perf_counter() - started) * 1000
        response["X-Response-Time-Ms"] = str(int(spent))
        if spent > getattr(settings, "SLOW_REQUEST_MS", 500):
            logger.warning("slow: %s %s took %d ms", request.method, request.path, int(spent))
        return response
