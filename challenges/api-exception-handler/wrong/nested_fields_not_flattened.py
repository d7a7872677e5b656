# wrong: validation "fields" is DRF's detail as it is: nested serializer errors stay nested instead of dotted keys
# max-percent: 85
"""Copies the validation detail without flattening it."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger("api.errors")


def exception_handler(exc, context):
    path = context["request"].path
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        logger.exception("unexpected error on %s", path)
        error = {"status": 500, "code": "server_error", "message": "Something went wrong.", "path": path}
        return Response({"error": error}, status=500)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(exc.wait)
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        error = {"status": exc.status_code, "code": "invalid", "message": "Invalid input.", "path": path}
        error["fields"] = fields
    else:
        error = {"status": exc.status_code, "code": exc.get_codes(), "message": str(exc.detail), "path": path}
    return Response({"error": error}, status=exc.status_code, headers=headers)
