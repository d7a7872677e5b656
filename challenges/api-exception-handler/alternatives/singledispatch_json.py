# alternative: functools.singledispatch on the exception type, a Django JsonResponse, generator flattening
"""One function per family of exceptions, chosen by singledispatch on the exception's class."""

import functools
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions

errors_log = logging.getLogger("api.errors")


def _pairs(detail, trail=()):
    """Yields (dotted name, [messages]) for a validation detail."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            yield from _pairs(value, (*trail, str(name)))
    elif isinstance(detail, list) and detail and not isinstance(detail[0], str):
        for position, value in enumerate(detail):
            yield from _pairs(value, (*trail, str(position)))
    else:
        yield (
            ".".join(trail) or "non_field_errors",
            [str(m) for m in (detail if isinstance(detail, list) else [detail])],
        )


def _reply(request, status, code, message, headers=None, **extra):
    error = {"status": status, "code": code, "message": message, "path": request.path, **extra}
    response = JsonResponse({"error": error}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


@functools.singledispatch
def _handle(exc, request):
    errors_log.error("unexpected %s", type(exc).__qualname__, exc_info=(type(exc), exc, exc.__traceback__))
    return _reply(request, 500, "server_error", "The server could not complete the request.")


@_handle.register
def _(exc: exceptions.APIException, request):
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    return _reply(request, exc.status_code, exc.get_codes(), str(exc.detail), headers)


@_handle.register
def _(exc: exceptions.ValidationError, request):
    return _reply(request, exc.status_code, "invalid", "Invalid input.", fields=dict(_pairs(exc.detail)))


@_handle.register
def _(exc: Http404, request):
    return _handle(exceptions.NotFound(*exc.args), request)


@_handle.register
def _(exc: DjangoPermissionDenied, request):
    return _handle(exceptions.PermissionDenied(*exc.args), request)


def exception_handler(exc, context):
    return _handle(exc, context["request"])
