"""api-exception-handler: see prompt.md for the rules the grader checks."""

import logging

logger = logging.getLogger("api.errors")


def exception_handler(exc, context):
    """The response for `exc` raised in a DRF view: {"error": {"status", "code", "message", "path"[, "fields"]}}.

    `context` is {"view", "args", "kwargs", "request"}. Never returns None.
    """
    raise NotImplementedError
