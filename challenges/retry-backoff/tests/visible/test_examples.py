"""Visible examples for retry-backoff (the hidden suite uses the same driver)."""

import builtins

import pytest


class Script:
    """The decorated function's behaviour: one step per attempt (the last step repeats)."""

    def __init__(self, steps):
        self.steps = steps
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        kind, payload = self.steps[min(self.calls, len(self.steps)) - 1]
        if kind == "raise":
            raise getattr(builtins, payload)(f"attempt {self.calls}")
        return payload


def test_prompt_example_schedule(driver):
    delays = []
    script = Script([("raise", "ConnectionError"), ("raise", "ConnectionError"), ("ok", "paid")])
    options = {"max_attempts": 4, "base_delay": 0.5, "sleep": delays.append, "rng": lambda: 0.5}
    assert driver.run(options, [script], [[0, [], {}]]) == [{"ok": True, "value": "paid"}]
    assert script.calls == 3
    assert delays == [0.25, 0.5]


def test_idempotency_key(driver):
    script = Script([("ok", "receipt-1"), ("ok", "receipt-2")])
    calls = [[0, [], {"idempotency_key": "order-42"}], [0, [], {"idempotency_key": "order-42"}]]
    outcomes = driver.run({"sleep": lambda d: None}, [script], calls)
    assert [o["value"] for o in outcomes] == ["receipt-1", "receipt-1"]
    assert script.calls == 1


def test_bad_arguments(submission):
    with pytest.raises(ValueError):
        submission.retry(max_attempts=0)
    with pytest.raises(ValueError):
        submission.retry(jitter="equal")
