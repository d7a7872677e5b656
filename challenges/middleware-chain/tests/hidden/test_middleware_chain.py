"""Hidden suite for middleware-chain.

The middleware, views, requests and responses are built by the challenge's driver
from plain specs (see driver/driver.py for the spec format) and every call is
recorded there in one trace. The expected trace is computed here by ORACLE, a
direct model of Django 5.2's BaseHandler (load_middleware + _get_response +
process_exception_by_middleware), except that an exception nobody handles
propagates instead of becoming a 500 response.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- the oracle


class Raised(Exception):
    def __init__(self, type_name, message):
        super().__init__(type_name, message)
        self.type_name = type_name
        self.message = message


class Resp:
    def __init__(self, kind, label, render_raises=False):
        self.kind = kind
        self.label = label
        self.render_raises = render_raises


def oracle(middleware, view, requests=1):
    trace = []
    for spec in reversed(middleware):
        trace.append("factory:" + spec["name"])
    view_hooks = [s for s in middleware if "process_view" in s]
    exception_hooks = [s for s in reversed(middleware) if "process_exception" in s]
    template_hooks = [s for s in reversed(middleware) if "process_template_response" in s]

    def hook_result(spec, hook):
        mode = spec[hook]
        label = f"{spec['name']}:{hook}"
        if mode == "none":
            return None
        if mode == "response":
            return Resp("plain", label)
        if mode == "template":
            return Resp("template", label)
        raise Raised("HookError", label)

    def handle_exception(exc):
        for spec in exception_hooks:
            trace.append(f"{spec['name']}:process_exception:{exc.type_name}")
            response = hook_result(spec, "process_exception")
            if response is not None:
                return response
        raise exc

    def inner():
        response = None
        for spec in view_hooks:
            trace.append(f"{spec['name']}:process_view")
            response = hook_result(spec, "process_view")
            if response is not None:
                break
        if response is None:
            trace.append("view")
            if view == "plain":
                response = Resp("plain", "view")
            elif view == "template":
                response = Resp("template", "view")
            elif view == "template_render_raises":
                response = Resp("template", "view", render_raises=True)
            elif view == "raise":
                response = handle_exception(Raised("ViewError", "view"))
        if response is None:
            raise Raised("ValueError", None)
        if response.kind == "template":
            for spec in template_hooks:
                name = spec["name"]
                trace.append(f"{name}:process_template_response:{response.label}")
                mode = spec["process_template_response"]
                if mode == "wrap":
                    response = Resp("template", f"{name}:wrapped")
                elif mode == "none":
                    raise Raised("ValueError", None)
                elif mode == "raise":
                    raise Raised("HookError", f"{name}:process_template_response")
            trace.append("render:" + response.label)
            if response.render_raises:
                response = handle_exception(Raised("RenderError", response.label))
            else:
                response = Resp("plain", response.label + ":rendered")
        return response

    def layer(index):
        if index == len(middleware):
            return inner()
        spec = middleware[index]
        name = spec["name"]
        mode = spec.get("call", "pass")
        trace.append(f"{name}:request")
        if mode == "short":
            return Resp("plain", f"{name}:short")
        if mode == "short_template":
            return Resp("template", f"{name}:short_template")
        if mode == "raise_before":
            raise Raised("HookError", f"{name}:call")
        response = layer(index + 1)
        trace.append(f"{name}:response:{response.label}")
        if mode == "raise_after":
            raise Raised("HookError", f"{name}:call")
        if mode == "replace":
            return Resp("plain", f"{name}:replaced")
        return response

    results = []
    for number in range(requests):
        trace.append(f"request {number}")
        try:
            response = layer(0)
        except Raised as exc:
            results.append({"error": {"type": exc.type_name, "message": exc.message}, "response": None})
        else:
            results.append({"error": None, "response": {"kind": response.kind, "label": response.label}})
    return {
        "trace": trace,
        "factory_calls": {spec["name"]: 1 for spec in middleware},
        "build_error": None,
        "results": results,
    }


def comparable(observed):
    """ValueError messages are free; every other message is the driver's label."""
    observed = dict(observed)
    results = []
    for result in observed.get("results", []):
        result = dict(result)
        if result.get("error") and result["error"]["type"] == "ValueError":
            result["error"] = {"type": "ValueError", "message": None}
        results.append(result)
    observed["results"] = results
    return observed


def check(driver, middleware, view="plain", requests=1):
    observed = comparable(driver.run(middleware, view, requests))
    expected = oracle(middleware, view, requests)
    assert observed["build_error"] is None, observed["build_error"]
    assert observed["factory_calls"] == expected["factory_calls"]
    assert observed["trace"] == expected["trace"]
    assert observed["results"] == expected["results"]
    return observed


def mw(name, kind="class", call="pass", **hooks):
    spec = {"name": name, "kind": kind, "call": call}
    spec.update(hooks)
    return spec


# ---------------------------------------------------------------- examples, one rule each


@pytest.mark.weight(2)
def test_factories_called_once_bottom_up_when_built(driver):
    observed = check(driver, [mw("A"), mw("B"), mw("C")], requests=0)
    assert observed["trace"] == ["factory:C", "factory:B", "factory:A"]


@pytest.mark.weight(2)
def test_requests_top_down_responses_bottom_up(driver):
    observed = check(driver, [mw("A"), mw("B")])
    assert observed["trace"] == [
        "factory:B", "factory:A", "request 0",
        "A:request", "B:request", "view", "B:response:view", "A:response:view",
    ]
    assert observed["results"] == [{"error": None, "response": {"kind": "plain", "label": "view"}}]


@pytest.mark.weight(2)
def test_factories_not_rebuilt_per_request(driver):
    observed = check(driver, [mw("A", process_view="none"), mw("B", kind="function")], requests=3)
    assert observed["factory_calls"] == {"A": 1, "B": 1}


def test_empty_middleware_list(driver):
    check(driver, [], "plain")
    check(driver, [], "template")
    check(driver, [], "raise")


@pytest.mark.weight(2)
def test_process_view_runs_top_down_before_the_view(driver):
    observed = check(driver, [mw("A", process_view="none"), mw("B"), mw("C", process_view="none")])
    assert observed["trace"][-7:] == [
        "C:request", "A:process_view", "C:process_view", "view", "C:response:view", "B:response:view",
        "A:response:view",
    ]


@pytest.mark.weight(2)
def test_process_view_response_short_circuits_later_hooks_and_the_view(driver):
    stack = [mw("A", process_view="none"), mw("B", process_view="response"), mw("C", process_view="none")]
    observed = check(driver, stack)
    assert "view" not in observed["trace"] and "C:process_view" not in observed["trace"]
    assert observed["results"][0]["response"]["label"] == "B:process_view"


def test_process_view_exception_propagates_without_process_exception(driver):
    check(driver, [mw("A", process_exception="response"), mw("B", process_view="raise")])


@pytest.mark.weight(2)
def test_process_exception_runs_bottom_up_first_response_wins(driver):
    stack = [
        mw("A", process_exception="response"),
        mw("B", process_exception="response"),
        mw("C", process_exception="none"),
    ]
    observed = check(driver, stack, "raise")
    assert [e for e in observed["trace"] if "process_exception" in e and ":response:" not in e] == [
        "C:process_exception:ViewError", "B:process_exception:ViewError",
    ]
    assert observed["results"][0]["response"]["label"] == "B:process_exception"


@pytest.mark.weight(2)
def test_unhandled_view_exception_propagates_to_the_caller(driver):
    observed = check(driver, [mw("A", process_exception="none"), mw("B")], "raise")
    assert observed["results"][0]["error"] == {"type": "ViewError", "message": "view"}


def test_process_exception_hook_that_raises_propagates(driver):
    check(driver, [mw("A", process_exception="response"), mw("B", process_exception="raise")], "raise")


@pytest.mark.weight(2)
def test_template_hooks_bottom_up_then_render_once(driver):
    stack = [
        mw("A", process_template_response="same"),
        mw("B", process_template_response="wrap"),
        mw("C", process_template_response="same"),
    ]
    observed = check(driver, stack, "template")
    assert [e for e in observed["trace"] if ("template" in e or "render" in e) and ":response:" not in e] == [
        "C:process_template_response:view",
        "B:process_template_response:view",
        "A:process_template_response:B:wrapped",
        "render:B:wrapped",
    ]
    assert observed["results"][0]["response"] == {"kind": "plain", "label": "B:wrapped:rendered"}


@pytest.mark.weight(2)
def test_template_hook_returning_none_raises_value_error(driver):
    observed = check(driver, [mw("A", process_template_response="none"), mw("B")], "template")
    assert observed["results"][0]["error"]["type"] == "ValueError"
    assert not any(e.startswith("render:") for e in observed["trace"])


def test_template_hook_exception_propagates(driver):
    stack = [mw("A", process_exception="response"), mw("B", process_template_response="raise")]
    check(driver, stack, "template")


def test_view_returning_none_raises_value_error(driver):
    observed = check(driver, [mw("A", process_template_response="same")], "none")
    assert observed["results"][0]["error"]["type"] == "ValueError"


def test_plain_response_is_neither_processed_nor_rendered(driver):
    check(driver, [mw("A", process_template_response="wrap")], "plain")


@pytest.mark.weight(2)
def test_render_exception_goes_to_process_exception(driver):
    stack = [mw("A", process_exception="response"), mw("B", process_exception="none")]
    observed = check(driver, stack, "template_render_raises")
    assert "B:process_exception:RenderError" in observed["trace"]
    check(driver, [mw("A", process_exception="none")], "template_render_raises")


def test_process_view_template_response_is_processed_and_rendered(driver):
    stack = [mw("A", process_template_response="same"), mw("B", process_view="template")]
    observed = check(driver, stack)
    assert observed["results"][0]["response"]["label"] == "B:process_view:rendered"


def test_process_exception_template_response_is_processed_and_rendered(driver):
    stack = [mw("A", process_template_response="wrap"), mw("B", process_exception="template")]
    check(driver, stack, "raise")


def test_response_returned_by_a_middleware_call_is_never_rendered(driver):
    stack = [mw("A", process_template_response="same"), mw("B", call="short_template"), mw("C")]
    observed = check(driver, stack, "template")
    assert observed["results"][0]["response"] == {"kind": "template", "label": "B:short_template"}


def test_short_circuit_in_call_skips_inner_middleware_and_view(driver):
    check(driver, [mw("A", call="replace"), mw("B", call="short", process_view="none"), mw("C")])


def test_exception_in_a_middleware_call_propagates_through_outer_ones(driver):
    check(driver, [mw("A"), mw("B", call="raise_after"), mw("C", process_exception="response")])
    check(driver, [mw("A", process_exception="response"), mw("B", call="raise_before")], "raise")


@pytest.mark.weight(2)
def test_function_factories_hooks_found_on_the_instance(driver):
    stack = [
        mw("A", kind="function", process_view="none", process_template_response="same"),
        mw("B", kind="function", process_exception="template"),
    ]
    check(driver, stack, "raise", requests=2)


# ---------------------------------------------------------------- properties

VIEW_HOOK = st.sampled_from(["none", "none", "response", "template", "raise"])
TEMPLATE_HOOK = st.sampled_from(["same", "same", "wrap", "wrap", "none", "raise"])
CALLS = st.sampled_from(["pass"] * 6 + ["replace", "short", "short_template", "raise_before", "raise_after"])
VIEWS = st.sampled_from(["plain", "template", "template", "template_render_raises", "template_render_raises", "raise", "raise", "none"])


@st.composite
def stacks(draw, max_size=5):
    size = draw(st.integers(0, max_size))
    stack = []
    for index in range(size):
        spec = {"name": "ABCDEFGH"[index], "kind": draw(st.sampled_from(["class", "function"])), "call": draw(CALLS)}
        if draw(st.booleans()):
            spec["process_view"] = draw(VIEW_HOOK)
        if draw(st.booleans()):
            spec["process_exception"] = draw(VIEW_HOOK)
        if draw(st.booleans()):
            spec["process_template_response"] = draw(TEMPLATE_HOOK)
        stack.append(spec)
    return stack


@pytest.mark.weight(6)
@settings(max_examples=150)
@given(stack=stacks(), view=VIEWS, requests=st.integers(1, 2))
def test_random_stacks_match_django_order(driver, stack, view, requests):
    check(driver, stack, view, requests)


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(
    stack=stacks(max_size=6).map(lambda s: [dict(m, call="pass") for m in s]),
    view=VIEWS,
)
def test_random_stacks_with_transparent_calls(driver, stack, view):
    check(driver, stack, view)


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(
    stack=stacks(max_size=5).map(lambda s: [dict(m, call="pass") for m in s]),
    view=st.sampled_from(["raise", "template_render_raises"]),
)
def test_random_stacks_on_exception_paths(driver, stack, view):
    check(driver, stack, view)
