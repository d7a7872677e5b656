# wrong: every non-validation error body carries "fields": null
# max-percent: 40
"""Always a fields key."""

import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

logger = logging.getLogger("api.errors")

VALIDATION_MESSAGE = "Invalid input."
SERVER_ERROR_MESSAGE = "Internal server error."
NON_FIELD_KEY = "non_field_errors"


def exception_handler(exc, context):
    path = context["request"].path
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        logger.error(f"unhandled {type(exc).__name__} on {path}", exc_info=exc)
        return Response(_body(500, "server_error", SERVER_ERROR_MESSAGE, path), status=500)

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = _body(exc.status_code, "invalid", VALIDATION_MESSAGE, path)
        body["error"]["fields"] = flatten_errors(exc.detail)
    else:
        body = _body(exc.status_code, exc.get_codes(), str(exc.detail), path)
    return Response(body, status=exc.status_code, headers=headers)


def _body(status, code, message, path):
    return {"error": {"status": status, "code": code, "message": message, "path": path, "fields": None}}


def flatten_errors(detail):
    """{"address": {"zip": ["bad"]}, "lines": {1: {"qty": [...]}}} -> {"address.zip": [...], "lines.1.qty": [...]}."""
    fields = {}
    _collect(detail, "", fields)
    return fields


def _collect(detail, key, fields):
    if isinstance(detail, dict):
        for name, value in detail.items():
            _collect(value, _join(key, name), fields)
    elif isinstance(detail, list) and not all(isinstance(item, str) for item in detail):
        for index, item in enumerate(detail):
            _collect(item, _join(key, index), fields)
    else:
        messages = detail if isinstance(detail, list) else [detail]
        fields[key or NON_FIELD_KEY] = [str(message) for message in messages]


def _join(key, name):
    return f"{key}.{name}" if key else str(name)
