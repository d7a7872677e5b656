"""Examples from the prompt, through the challenge's driver (real requests to DRF views)."""


def test_custom_api_exception(driver):
    spec = {"family": "drf", "name": "PaymentRequired"}
    result = driver.call("GET", "/api/staged/x", spec=spec)
    assert result["status"] == 402
    assert result["json"] == {
        "error": {
            "status": 402,
            "code": "payment_required",
            "message": "Payment is required for this resource.",
            "path": "/api/staged/x",
        }
    }


def test_serializer_errors_are_flattened(driver):
    order = {
        "email": "nope",
        "address": {"city": "Paris", "zip": "75001"},
        "lines": [{"sku": "a", "qty": 1}, {"sku": "b", "qty": 0}],
    }
    result = driver.call("POST", "/api/orders/", json_body=order)
    error = result["json"]["error"]
    assert result["status"] == 400
    assert (error["code"], error["message"], error["path"]) == ("invalid", "Invalid input.", "/api/orders/")
    assert error["fields"] == {
        "email": ["Enter a valid email address."],
        "lines.1.qty": ["Ensure this value is greater than or equal to 1."],
    }


def test_throttled_keeps_retry_after(driver):
    result = driver.call("GET", "/api/staged/t", spec={"family": "drf", "name": "Throttled", "kwargs": {"wait": 30}})
    assert result["status"] == 429
    assert result["headers"]["Retry-After"] == "30"
    assert result["json"]["error"]["code"] == "throttled"


def test_unexpected_exception_is_hidden_and_logged(driver):
    spec = {"family": "plain", "name": "ValueError", "args": ["db password is hunter2"]}
    result = driver.call("GET", "/api/staged/x", spec=spec)
    assert result["status"] == 500
    error = result["json"]["error"]
    assert (error["code"], error["path"]) == ("server_error", "/api/staged/x")
    assert "hunter2" not in result["text"]
    [record] = [r for r in result["records"] if r["levelno"] >= 40]
    assert (record["logger"], record["level"], record["exc_type"]) == ("api.errors", "ERROR", "ValueError")
