"""Examples from the prompt, through the challenge's driver (a fake clock: durations are exact)."""

TICKS = 65536  # the fake clock's steps per second: 0.3125 s is 20480 steps


def req(method, path, seconds, outcome="ok"):
    return {"method": method, "path": path, "advance": seconds, "outcome": outcome}


def warnings_of(records):
    return [r for r in records if r["levelno"] >= 30]


def test_header_and_slow_warning_with_a_lower_threshold(driver):
    slow, ok = driver.serve([req("GET", "/sync/reports/daily", 0.3125), req("POST", "/sync/ping", 0.25)], slow_ms=250)
    assert slow["header"] == "312"
    [record] = warnings_of(slow["records"])
    assert record["logger"] == "request.timing" and record["level"] == "WARNING"
    assert "GET" in record["message"] and "/sync/reports/daily" in record["message"] and "312" in record["message"]
    assert ok["header"] == "250"
    assert warnings_of(ok["records"]) == []


def test_default_threshold_in_the_async_stack(driver):
    # 500.5 ms: the header says 500, and the request is slow (more than 500 ms)
    [result] = driver.serve([req("GET", "/async/feed", 0.5 + 33 / TICKS)], asynchronous=True)
    assert result["header"] == "500"
    assert len(warnings_of(result["records"])) == 1


def test_exception_is_logged_and_reraised(driver):
    obs = driver.direct([req("GET", "/anything", 0.03125, outcome="raise")])
    [call] = obs["calls"]
    assert call["raised"] == "ViewFailure" and call["same_exception"] is True
    [record] = warnings_of(call["records"])
    assert "31" in record["message"]


def test_async_instance_is_a_coroutine_function(driver):
    obs = driver.direct([req("GET", "/anything", 0.125)], asynchronous=True)
    assert obs["is_coroutine_function"] is True
    assert obs["calls"][0]["returned_awaitable"] is True
    assert obs["calls"][0]["header"] == "125"
