# wrong: the seed answer read literally: process_exception runs for any exception in the inner handler, including ones raised by process_view and process_template_response hooks
# max-percent: 60

def _checked(response, source):
    if response is None:
        raise ValueError(f"{source} returned None instead of a response")
    return response


def build_handler(middleware, view):
    view_hooks = []
    exception_hooks = []
    template_hooks = []

    def run_exception_hooks(request, exc):
        for hook in exception_hooks:
            response = hook(request, exc)
            if response is not None:
                return response
        return None

    def get_response(request):
        try:
            return inner(request)
        except Exception as exc:
            response = run_exception_hooks(request, exc)
            if response is None:
                raise
            return response

    def inner(request):
        response = None
        for hook in view_hooks:
            response = hook(request, view, (), {})
            if response is not None:
                break
        if response is None:
            try:
                response = view(request)
            except Exception as exc:
                response = run_exception_hooks(request, exc)
                if response is None:
                    raise
        _checked(response, "the view")
        render = getattr(response, "render", None)
        if callable(render):
            for hook in template_hooks:
                response = _checked(hook(request, response), "process_template_response")
            try:
                response = response.render()
            except Exception as exc:
                response = run_exception_hooks(request, exc)
                if response is None:
                    raise
        return response

    handler = get_response
    for factory in reversed(middleware):
        instance = factory(handler)
        if instance is None:
            raise ValueError("a middleware factory returned None")
        if hasattr(instance, "process_view"):
            view_hooks.insert(0, instance.process_view)
        if hasattr(instance, "process_template_response"):
            template_hooks.append(instance.process_template_response)
        if hasattr(instance, "process_exception"):
            exception_hooks.append(instance.process_exception)
        handler = instance
    return handler
