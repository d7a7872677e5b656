"""Visible examples for middleware-chain (the hidden suite uses the same driver and many more stacks)."""


def test_prompt_example_order(driver):
    stack = [
        {"name": "Timing", "kind": "class", "call": "pass", "process_view": "none"},
        {"name": "Auth", "kind": "class", "call": "pass", "process_view": "none"},
    ]
    observed = driver.run(stack, "plain", 1)
    assert observed["trace"] == [
        "factory:Auth", "factory:Timing", "request 0",
        "Timing:request", "Auth:request", "Timing:process_view", "Auth:process_view", "view",
        "Auth:response:view", "Timing:response:view",
    ]
    assert observed["results"] == [{"error": None, "response": {"kind": "plain", "label": "view"}}]


def test_process_exception_response_goes_up_the_chain(driver):
    stack = [
        {"name": "Timing", "kind": "class", "call": "pass", "process_exception": "none"},
        {"name": "Auth", "kind": "class", "call": "pass", "process_exception": "response"},
    ]
    observed = driver.run(stack, "raise", 1)
    assert observed["trace"][-4:] == [
        "view", "Auth:process_exception:ViewError",
        "Auth:response:Auth:process_exception", "Timing:response:Auth:process_exception",
    ]


def test_unhandled_exception_propagates(driver):
    stack = [{"name": "Timing", "kind": "function", "call": "pass", "process_exception": "none"}]
    observed = driver.run(stack, "raise", 1)
    assert observed["results"] == [{"error": {"type": "ViewError", "message": "view"}, "response": None}]


def test_template_response_rendered_once(driver):
    stack = [{"name": "Timing", "kind": "class", "call": "pass", "process_template_response": "same"}]
    observed = driver.run(stack, "template", 1)
    assert [e for e in observed["trace"] if e.startswith("render:")] == ["render:view"]
    assert observed["results"][0]["response"] == {"kind": "plain", "label": "view:rendered"}
