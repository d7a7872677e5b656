"""Driver for middleware-chain: builds middleware from a plain spec and reports what happened.

Why it exists: the handler calls middleware, views and `render` many times, and the
checks rely on object identity (the same request everywhere, the view passed to
process_view, the exception passed to process_exception). Harness objects would
cross by reference and come back as handles, so the objects live here instead.
Everything that happens is appended to one trace list, returned as plain strings.
No expected value lives in this file: the hidden tests compute the expected trace.

Spec of one middleware (a dict):
  name: str (unique in a stack)
  kind: "class" (the factory is a class, hooks are methods) or "function" (the factory
        is a plain function returning an instance; the hooks exist only on the instance)
  call: what __call__ does:
        "pass"           record, call get_response, record, return its response
        "replace"        same, but return a new plain response "<name>:replaced"
        "short"          return a new plain response "<name>:short" without calling get_response
        "short_template" same with a template response "<name>:short_template"
        "raise_before"   raise HookError("<name>:call") before calling get_response
        "raise_after"    call get_response, then raise HookError("<name>:call")
  process_view / process_exception (optional, absent = no such hook):
        "none" returns None; "response" a plain response "<name>:<hook>";
        "template" a template response "<name>:<hook>"; "raise" raises HookError
  process_template_response (optional): "same" returns the response it got; "wrap" a new
        template response "<name>:wrapped"; "none" returns None; "raise" raises HookError
View spec: "plain" | "template" | "template_render_raises" | "raise" | "none".
Template responses render to a plain response "<label>:rendered"; a template response
made with render="raise" raises RenderError from render().
"""

import solution


class ViewError(Exception):
    pass


class RenderError(Exception):
    pass


class HookError(Exception):
    pass


class Request:
    def __init__(self, number):
        self.number = number


class Response:
    def __init__(self, label):
        self.label = label


class _Recorder:
    def __init__(self):
        self.trace = []


def _describe(value):
    if value is None:
        return {"kind": "none", "label": None}
    if isinstance(value, Response):
        kind = "template" if hasattr(value, "render") else "plain"
        return {"kind": kind, "label": value.label}
    return {"kind": "other:" + type(value).__name__, "label": None}


def run(middleware, view, requests=1):
    """Build the handler from `middleware` (list of spec dicts) and `view`, call it `requests` times."""
    recorder = _Recorder()
    trace = recorder.trace
    state = {"current": None}

    def template_response(label, render="ok"):
        response = Response(label)

        def do_render():
            trace.append("render:" + label)
            if render == "raise":
                state["raised"] = RenderError(label)
                raise state["raised"]
            return Response(label + ":rendered")

        response.render = do_render
        return response

    def same_request(request):
        return request is state["current"]

    def make_response(name, hook, mode):
        label = f"{name}:{hook}"
        if mode == "none":
            return None
        if mode == "response":
            return Response(label)
        if mode == "template":
            return template_response(label)
        raise HookError(label)

    def view_function(request, *args, **kwargs):
        trace.append("view" + ("" if same_request(request) and not args and not kwargs else "!bad-args"))
        if view == "plain":
            return Response("view")
        if view == "template":
            return template_response("view")
        if view == "template_render_raises":
            return template_response("view", render="raise")
        if view == "none":
            return None
        state["raised"] = ViewError("view")
        raise state["raised"]

    def hook_methods(spec):
        name = spec["name"]
        methods = {}
        if "process_view" in spec:
            def process_view(self, request, view, view_args, view_kwargs, mode=spec["process_view"]):
                ok = same_request(request) and view is view_function
                ok = ok and len(view_args) == 0 and len(view_kwargs) == 0
                trace.append(f"{name}:process_view" + ("" if ok else "!bad-args"))
                return make_response(name, "process_view", mode)

            methods["process_view"] = process_view
        if "process_exception" in spec:
            def process_exception(self, request, exception, mode=spec["process_exception"]):
                ok = same_request(request) and exception is state.get("raised")
                trace.append(
                    f"{name}:process_exception:{type(exception).__name__}" + ("" if ok else "!bad-args")
                )
                return make_response(name, "process_exception", mode)

            methods["process_exception"] = process_exception
        if "process_template_response" in spec:
            def process_template_response(self, request, response, mode=spec["process_template_response"]):
                label = getattr(response, "label", "?")
                trace.append(
                    f"{name}:process_template_response:{label}" + ("" if same_request(request) else "!bad-args")
                )
                if mode == "same":
                    return response
                if mode == "wrap":
                    return template_response(f"{name}:wrapped")
                if mode == "none":
                    return None
                raise HookError(f"{name}:process_template_response")

            methods["process_template_response"] = process_template_response
        return methods

    def call_method(spec):
        name = spec["name"]
        mode = spec.get("call", "pass")

        def __call__(self, request):
            trace.append(f"{name}:request" + ("" if same_request(request) else "!bad-args"))
            if mode == "short":
                return Response(f"{name}:short")
            if mode == "short_template":
                return template_response(f"{name}:short_template")
            if mode == "raise_before":
                raise HookError(f"{name}:call")
            response = self.get_response(request)
            trace.append(f"{name}:response:{getattr(response, 'label', '?')}")
            if mode == "raise_after":
                raise HookError(f"{name}:call")
            if mode == "replace":
                return Response(f"{name}:replaced")
            return response

        return __call__

    factory_calls = {}

    def make_factory(spec):
        name = spec["name"]
        factory_calls[name] = 0

        def init(self, get_response):
            self.get_response = get_response

        namespace = {"__init__": init, "__call__": call_method(spec)}
        if spec.get("kind", "class") == "class":
            namespace.update(hook_methods(spec))
            cls = type(f"Middleware_{name}", (), namespace)

            class Factory(cls):
                def __init__(self, get_response):
                    factory_calls[name] += 1
                    trace.append("factory:" + name + ("" if callable(get_response) else "!bad-args"))
                    super().__init__(get_response)

            Factory.__name__ = f"Middleware_{name}"
            return Factory

        cls = type(f"Middleware_{name}", (), namespace)
        hooks = hook_methods(spec)

        def factory(get_response):
            factory_calls[name] += 1
            trace.append("factory:" + name + ("" if callable(get_response) else "!bad-args"))
            instance = cls(get_response)
            for hook, function in hooks.items():
                setattr(instance, hook, function.__get__(instance))
            return instance

        return factory

    factories = [make_factory(spec) for spec in middleware]

    results = []
    try:
        handler = solution.build_handler(factories, view_function)
    except Exception as exc:  # noqa: BLE001 - reported as a plain observation
        return {
            "trace": trace,
            "factory_calls": factory_calls,
            "build_error": {"type": type(exc).__name__, "message": str(exc)},
            "results": [],
        }
    for number in range(requests):
        trace.append(f"request {number}")
        request = Request(number)
        state["current"] = request
        state["raised"] = None
        try:
            response = handler(request)
        except Exception as exc:  # noqa: BLE001
            results.append({"error": {"type": type(exc).__name__, "message": str(exc)}, "response": None})
        else:
            results.append({"error": None, "response": _describe(response)})
    return {"trace": trace, "factory_calls": factory_calls, "build_error": None, "results": results}
