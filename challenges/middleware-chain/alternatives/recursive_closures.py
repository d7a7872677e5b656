# alternative: builds the chain recursively (deepest factory first) and keeps an explicit sentinel-based hook dispatch


_MISSING = object()


def _first_response(hooks, *args):
    for hook in hooks:
        result = hook(*args)
        if result is not None:
            return result
    return _MISSING


def build_handler(middleware, view):
    hooks = {"process_view": [], "process_exception": [], "process_template_response": []}

    def handle_exception(request, exc):
        result = _first_response(hooks["process_exception"], request, exc)
        if result is _MISSING:
            raise exc
        return result

    def core(request):
        response = _first_response(hooks["process_view"], request, view, (), {})
        if response is _MISSING:
            try:
                response = view(request)
            except Exception as exc:
                response = handle_exception(request, exc)
        if response is None:
            raise ValueError("view returned None")
        render = getattr(response, "render", None)
        if not callable(render):
            return response
        for hook in hooks["process_template_response"]:
            response = hook(request, response)
            if response is None:
                raise ValueError("process_template_response returned None")
        try:
            return response.render()
        except Exception as exc:
            return handle_exception(request, exc)

    def build(position):
        # Builds the layers below `position` first, so factories run bottom-up.
        if position == len(middleware):
            return core
        below = build(position + 1)
        instance = middleware[position](below)
        # Bottom-up registration: view hooks are prepended, the others appended.
        if hasattr(instance, "process_view"):
            hooks["process_view"][:0] = [instance.process_view]
        for name in ("process_exception", "process_template_response"):
            if hasattr(instance, name):
                hooks[name].append(getattr(instance, name))
        return instance

    return build(0)
