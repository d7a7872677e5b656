"""Driver for api-exception-handler, run in the worker next to the submission.

DRF is configured with EXCEPTION_HANDLER = "solution.exception_handler", JSON only.
`call(...)` sends one request through Django's test client to a view of the
`errorsapp` package, optionally staging the exception `StagedView` raises (built
from a plain spec the test gives), and returns what came back: status, headers,
the parsed JSON body and the raw text, and the records logged on `api.errors`
meanwhile. The expected values live in the tests.
"""

from __future__ import annotations

from typing import Any

import djangokit

djangokit.setup(
    "errorsapp",
    installed_apps=["django.contrib.auth", "rest_framework"],
    settings_overrides={
        "ROOT_URLCONF": "errorsapp.urls",
        "REST_FRAMEWORK": {
            "EXCEPTION_HANDLER": "solution.exception_handler",
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
            "DEFAULT_AUTHENTICATION_CLASSES": [],
            "DEFAULT_PERMISSION_CLASSES": [],
        },
    },
)

from errorsapp.views import STAGE  # noqa: E402

LOGGER = "api.errors"


def call(method, path, spec=None, json_body=None, data=None, content_type=None, headers=None) -> dict[str, Any]:
    """Send one request; `spec` is what /api/staged/... raises (None: it answers 200).

    spec: {"family": "drf" | "django" | "plain", "name": "NotFound", "args": [...],
    "kwargs": {...}} or {"family": "divide", "by": 0} (a real ZeroDivisionError).
    Returns {"status", "headers", "json" (None unless the body is JSON), "text",
    "records" (on api.errors), "raised" (class name the view raised, or None)}.
    """
    STAGE.spec = spec
    STAGE.raised = None
    try:
        # Django logs 4xx/5xx responses on django.request: keep that out of the worker's output.
        with djangokit.capture_logs("django"), djangokit.capture_logs(LOGGER) as records:
            response = djangokit.request(
                method,
                path,
                data=data,
                json_body=json_body,
                content_type=content_type,
                headers=headers,
            )
    finally:
        STAGE.spec = None
    response.pop("body", None)
    response.pop("reason", None)
    response.pop("streaming", None)
    response["records"] = list(records)
    response["raised"] = STAGE.raised
    return response
