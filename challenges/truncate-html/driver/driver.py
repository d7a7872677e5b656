"""Driver for truncate-html: calls the submission next to it and reports plain strings.

Why it exists: a string marked safe (SafeString) is a str subclass, which would cross to
the tests as a handle rather than a value, and the template filter has to be rendered by
Django's template engine, which lives here. The engine loads the submission as the
template library `html_truncate` (TEMPLATES OPTIONS "libraries"). No expected value
lives in this file: the hidden tests compute the expected strings with their own oracle.
"""

import djangokit

djangokit.setup(
    "htmlapp",
    settings_overrides={
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "DIRS": [],
                "APP_DIRS": False,
                "OPTIONS": {"libraries": {"html_truncate": "solution"}},
            }
        ]
    },
)

import solution  # noqa: E402
from django.template import engines  # noqa: E402  (Django is usable only after setup)
from django.utils.safestring import SafeData, mark_safe  # noqa: E402


def _text(value):
    """An exact str (SafeString's own __str__ returns itself, which would cross as a handle)."""
    return str.__str__(value) if isinstance(value, str) else None


def _outcome(thunk):
    try:
        value = thunk()
    except Exception as exc:
        return {"result": None, "type": None, "raised": type(exc).__name__, "message": str(exc)}
    return {"result": _text(value), "type": type(value).__name__, "raised": None, "message": None}


def truncate(html, length, ellipsis=None):
    """solution.truncate_html(html, length[, ellipsis]) -> {"result": str or None, "type", "raised", "message"}.

    With ellipsis None the argument is left out (the default applies).
    """
    if ellipsis is None:
        return _outcome(lambda: solution.truncate_html(html, length))
    return _outcome(lambda: solution.truncate_html(html, length, ellipsis))


def truncate_many(cases):
    """truncate() for each [html, length, ellipsis or None] in one round trip."""
    return [truncate(*case) for case in cases]


def render(value, length, autoescape=True, value_is_safe=False):
    """Render `{% load html_truncate %}{{ value|truncate_html:n }}` with value and n in the context.

    Returns {"output": str or None, "raised": type name or None, "message"}.
    """
    source = "{% load html_truncate %}{{ value|truncate_html:n }}"
    if not autoescape:
        source = "{% load html_truncate %}{% autoescape off %}{{ value|truncate_html:n }}{% endautoescape %}"
    if value_is_safe:
        value = mark_safe(value)
    try:
        output = engines["django"].from_string(source).render({"value": value, "n": length})
    except Exception as exc:
        return {"output": None, "raised": type(exc).__name__, "message": str(exc)}
    return {"output": _text(output), "raised": None, "message": None}


def filter_call(value, length):
    """Call the registered filter function directly: its result and whether it is marked safe."""
    library = getattr(solution, "register", None)
    filters = getattr(library, "filters", {})
    if "truncate_html" not in filters:
        return {"registered": False, "result": None, "is_safe": None, "raised": None}
    try:
        value = filters["truncate_html"](value, length)
    except Exception as exc:
        return {"registered": True, "result": None, "is_safe": None, "raised": type(exc).__name__}
    return {
        "registered": True,
        "result": _text(value),
        "is_safe": isinstance(value, SafeData),
        "raised": None,
    }
