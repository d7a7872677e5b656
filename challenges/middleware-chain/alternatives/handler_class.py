# alternative: a BaseHandler-like class that records instances top-down and derives each hook list from them with slicing and getattr


class _Handler:
    def __init__(self, middleware, view):
        self.view = view
        instances = []
        get_response = self._inner
        for factory in middleware[::-1]:
            get_response = factory(get_response)
            instances.append(get_response)
        instances.reverse()  # top to bottom
        self.chain = get_response
        self.view_hooks = [m.process_view for m in instances if hasattr(m, "process_view")]
        self.exception_hooks = [m.process_exception for m in instances[::-1] if hasattr(m, "process_exception")]
        self.template_hooks = [
            m.process_template_response for m in instances[::-1] if hasattr(m, "process_template_response")
        ]

    def __call__(self, request):
        return self.chain(request)

    def _recover(self, request, exc):
        response = next(
            (r for r in (hook(request, exc) for hook in self.exception_hooks) if r is not None),
            None,
        )
        if response is None:
            raise exc
        return response

    def _inner(self, request):
        response = next(
            (r for r in (hook(request, self.view, (), {}) for hook in self.view_hooks) if r is not None),
            None,
        )
        if response is None:
            try:
                response = self.view(request)
            except Exception as exc:
                response = self._recover(request, exc)
        if response is None:
            raise ValueError("The view didn't return a response object.")
        if hasattr(response, "render") and callable(response.render):
            for hook in self.template_hooks:
                response = hook(request, response)
                if response is None:
                    raise ValueError("process_template_response didn't return a response object.")
            try:
                response = response.render()
            except Exception as exc:
                response = self._recover(request, exc)
        return response


def build_handler(middleware, view):
    return _Handler(list(middleware), view)
