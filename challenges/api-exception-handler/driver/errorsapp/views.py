"""Views of the api-exception-handler challenge.

`StagedView` raises whatever the driver staged in `STAGE.spec` (built from plain
data the test sends); the other views fail the way DRF itself makes them fail
(validation, authentication, method, parsing, content negotiation).
"""

from django.core import exceptions as django_exceptions
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from errorsapp.serializers import OrderSerializer


class PaymentRequired(drf.APIException):
    status_code = 402
    default_detail = "Payment is required for this resource."
    default_code = "payment_required"


class Archived(drf.NotFound):
    """A NotFound subclass with a code of its own (the status is NotFound's)."""

    default_detail = "This record was archived."
    default_code = "archived"


class LedgerError(Exception):
    """An application error that is not an API exception."""


DRF_CLASSES = {
    name: getattr(drf, name)
    for name in (
        "APIException",
        "ValidationError",
        "ParseError",
        "AuthenticationFailed",
        "NotAuthenticated",
        "PermissionDenied",
        "NotFound",
        "MethodNotAllowed",
        "NotAcceptable",
        "UnsupportedMediaType",
        "Throttled",
    )
}
DRF_CLASSES.update(PaymentRequired=PaymentRequired, Archived=Archived)
DJANGO_CLASSES = {
    "Http404": Http404,
    "PermissionDenied": django_exceptions.PermissionDenied,
    "ValidationError": django_exceptions.ValidationError,
    "ObjectDoesNotExist": django_exceptions.ObjectDoesNotExist,
}
PLAIN_CLASSES = {
    cls.__name__: cls
    for cls in (ValueError, KeyError, TypeError, RuntimeError, LookupError, AttributeError, LedgerError)
}


class Stage:
    spec = None
    raised = None


STAGE = Stage()


def build_exception(spec):
    """spec: {"family": "drf" | "django" | "plain", "name": class name, "args": [...], "kwargs": {...}}."""
    family = {"drf": DRF_CLASSES, "django": DJANGO_CLASSES, "plain": PLAIN_CLASSES}[spec["family"]]
    return family[spec["name"]](*spec.get("args", []), **spec.get("kwargs", {}))


class StagedView(APIView):
    authentication_classes = ()
    permission_classes = ()

    def _fail(self, request, *args, **kwargs):
        spec = STAGE.spec
        if spec is None:
            return Response({"ok": True})
        if spec.get("family") == "divide":
            STAGE.raised = "ZeroDivisionError"
            return Response({"ratio": 1 / int(spec.get("by", 0))})
        exc = build_exception(spec)
        STAGE.raised = type(exc).__name__
        raise exc

    get = post = put = patch = delete = _fail


class OrderView(APIView):
    """GET says hello; POST validates an order (JSON only)."""

    authentication_classes = ()
    permission_classes = ()

    def get(self, request):
        return Response({"orders": []})

    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response({"accepted": True}, status=201)


class BasicProtectedView(APIView):
    """Needs a user; HTTP Basic is the only scheme, so failures are 401 with WWW-Authenticate."""

    authentication_classes = (BasicAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request):
        return Response({"user": str(request.user)})


class SessionProtectedView(APIView):
    """Needs a user; session authentication has no WWW-Authenticate scheme, so DRF answers 403."""

    authentication_classes = (SessionAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request):
        return Response({"user": str(request.user)})
