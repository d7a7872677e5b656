"""Middleware chain: see prompt.md for the rules the grader checks."""


def build_handler(middleware: list, view):
    """Build Django's middleware chain around `view` and return `handler(request) -> response`.

    `middleware` lists factories top (outermost) to bottom; each is called once,
    bottom-up, with the handler below it. The inner handler runs the process_view
    hooks top-down, the view, the process_exception hooks bottom-up on a view (or
    render) exception, and for a response with a `render` method the
    process_template_response hooks bottom-up followed by exactly one `render()`.
    Unhandled exceptions propagate to the caller.
    """
    raise NotImplementedError
