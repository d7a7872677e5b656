# wrong: builds the whole chain again on every request, so factories run once per call instead of once
# max-percent: 5


def build_handler(middleware, view):
    def handler(request):
        view_hooks, exception_hooks, template_hooks = [], [], []

        def on_exception(exc):
            for hook in exception_hooks:
                response = hook(request, exc)
                if response is not None:
                    return response
            raise exc

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
                    response = on_exception(exc)
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
                    response = on_exception(exc)
            return response

        chain = inner
        for factory in reversed(middleware):
            chain = factory(chain)
            if hasattr(chain, "process_view"):
                view_hooks.insert(0, chain.process_view)
            if hasattr(chain, "process_template_response"):
                template_hooks.append(chain.process_template_response)
            if hasattr(chain, "process_exception"):
                exception_hooks.append(chain.process_exception)
        return chain(request)

    return handler
