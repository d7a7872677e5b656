# wrong: calls the factories top-down (in list order), each with a get_response that looks the next layer up lazily
# max-percent: 10


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
        if response is None:
            raise ValueError("the view returned None")
        if callable(getattr(response, "render", None)):
            for hook in template_hooks:
                response = hook(request, response)
                if response is None:
                    raise ValueError("process_template_response returned None")
            try:
                response = response.render()
            except Exception as exc:
                response = run_exception_hooks(request, exc)
                if response is None:
                    raise
        return response

    layers = []

    def next_layer(index):
        def call(request):
            if index < len(layers):
                return layers[index](request)
            return inner(request)

        return call

    for index, factory in enumerate(middleware):
        instance = factory(next_layer(index + 1))
        layers.append(instance)
        if hasattr(instance, "process_view"):
            view_hooks.append(instance.process_view)
        if hasattr(instance, "process_template_response"):
            template_hooks.insert(0, instance.process_template_response)
        if hasattr(instance, "process_exception"):
            exception_hooks.insert(0, instance.process_exception)
    return next_layer(0)
