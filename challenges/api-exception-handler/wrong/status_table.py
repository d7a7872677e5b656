# wrong: statuses from a table of DRF classes (400 for others): custom statuses and DRF's 401->403 switch are lost
# max-percent: 90
"""Looks statuses up by exception class instead of reading exc.status_code."""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger("api.errors")

STATUS_BY_CLASS = {
    exceptions.ValidationError: 400,
    exceptions.ParseError: 400,
    exceptions.AuthenticationFailed: 401,
    exceptions.NotAuthenticated: 401,
    exceptions.PermissionDenied: 403,
    exceptions.NotFound: 404,
    exceptions.MethodNotAllowed: 405,
    exceptions.NotAcceptable: 406,
    exceptions.UnsupportedMediaType: 415,
    exceptions.Throttled: 429,
}


def _flatten(detail, key, out):
    if isinstance(detail, dict):
        for name, value in detail.items():
            _flatten(value, f"{key}.{name}" if key else str(name), out)
    elif isinstance(detail, list) and any(not isinstance(item, str) for item in detail):
        for index, item in enumerate(detail):
            _flatten(item, f"{key}.{index}" if key else str(index), out)
    else:
        out[key or "non_field_errors"] = [str(m) for m in (detail if isinstance(detail, list) else [detail])]
    return out


def exception_handler(exc, context):
    path = context["request"].path
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        logger.error("server error", exc_info=exc)
        return Response(
            {"error": {"status": 500, "code": "server_error", "message": "Server error.", "path": path}}, 500
        )
    status = STATUS_BY_CLASS.get(type(exc), 400)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    error = {"status": status, "path": path}
    if isinstance(exc, exceptions.ValidationError):
        error.update(code="invalid", message="Invalid input.", fields=_flatten(exc.detail, "", {}))
    else:
        error.update(code=exc.get_codes(), message=str(exc.detail))
    return Response({"error": error}, status=status, headers=headers)
