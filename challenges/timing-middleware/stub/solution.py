"""timing-middleware: see prompt.md for the rules the grader checks."""

import logging

logger = logging.getLogger("request.timing")


class RequestTimingMiddleware:
    """Times every request with time.perf_counter(), sets X-Response-Time-Ms, logs slow and failed requests.

    Must work in settings.MIDDLEWARE of a sync (WSGI) and of an async (ASGI) stack:
    declare the class attributes Django reads for that, and return a coroutine
    when get_response is a coroutine function.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise NotImplementedError
