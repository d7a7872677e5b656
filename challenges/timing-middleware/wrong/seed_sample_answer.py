# wrong: the seed's sample answer in our own code: wall clock, logger named after the module, no header, sync only
# max-percent: 10
"""The seed's idea: time the call with time.time() and warn above a fixed 500 ms."""

import logging
import time

log = logging.getLogger(__name__)


class RequestTimingMiddleware:
    def __init__(self, get_response):
        self.next_handler = get_response

    def __call__(self, request):
        begin = time.time()
        response = self.next_handler(request)
        spent = 1000 * (time.time() - begin)
        if spent > 500:
            log.warning(f"too slow: {request.path} ({spent:.2f} ms)")
        return response
