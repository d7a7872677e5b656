# wrong: the seed's sample answer in our own code: DRF's default handler reshaped, every error logged, None for the rest
# max-percent: 10
"""The seed's approach: let DRF build the response, replace its data, log it; unknown errors fall through."""

import logging

from rest_framework.views import exception_handler as drf_handler

log = logging.getLogger(__name__)


def exception_handler(exc, context):
    response = drf_handler(exc, context)
    if response is None:
        return None
    log.error("API failure: %s", exc, extra={"view": repr(context.get("view"))})
    response.data = {"error": str(exc), "status_code": response.status_code, "path": context["request"].path}
    return response
