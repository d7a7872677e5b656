# alternative: DRF's default handler builds the response and headers, then response.data is rewritten; iterative flatten
"""Reuse DRF's own handler for statuses and headers; only the body is rewritten here."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, views
from rest_framework.response import Response

log = logging.getLogger("api.errors")


def _code(exc):
    if isinstance(exc, Http404):
        return "not_found"
    if isinstance(exc, PermissionDenied):
        return "permission_denied"
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    return exc.get_codes()


def _flatten(detail):
    fields = {}
    pending = [("", detail)]
    while pending:
        key, node = pending.pop()
        if isinstance(node, dict):
            pending.extend((f"{key}.{name}" if key else str(name), value) for name, value in node.items())
        elif isinstance(node, list) and any(isinstance(item, (dict, list)) for item in node):
            pending.extend((f"{key}.{index}" if key else str(index), item) for index, item in enumerate(node))
        else:
            items = node if isinstance(node, list) else [node]
            fields[key or "non_field_errors"] = list(map(str, items))
    return fields


def exception_handler(exc, context):
    request = context["request"]
    response = views.exception_handler(exc, context)
    if response is None:
        # Called from inside DRF's `except` block: logger.exception picks the exception up.
        log.exception("API request %s %s failed", request.method, request.path)
        error = {"status": 500, "code": "server_error", "message": "Unexpected server error.", "path": request.path}
        return Response({"error": error}, status=500)
    error = {"status": response.status_code, "code": _code(exc), "path": request.path}
    if isinstance(exc, exceptions.ValidationError):
        error["message"] = "Invalid input."
        error["fields"] = _flatten(response.data)
    else:
        error["message"] = str(response.data["detail"])
    response.data = {"error": error}
    return response
