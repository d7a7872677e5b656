"""Hidden suite for timing-middleware.

The driver replaces time.perf_counter with a fake clock that moves only while a view
(or a hand-written get_response) runs, by the amount a test gives here. Durations are
whole multiples of 1/65536 s, so every clock reading and every difference is exact in
binary floating point, and the expected header and "is it slow" answers below are
computed with integers.
"""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

TICKS = 65536  # fake-clock steps per second
WARNING = 30
LOGGER = "request.timing"


# ---------------------------------------------------------------- oracle


def seconds(ticks):
    return ticks / TICKS


def whole_ms(ticks):
    """int((after - before) * 1000) for a duration of `ticks` steps, in exact arithmetic."""
    return ticks * 1000 // TICKS


def is_slow(ticks, threshold_ms):
    return ticks * 1000 > threshold_ms * TICKS


def ticks_for_ms(ms):
    """The duration of exactly `ms` milliseconds (ms must be a multiple of 125)."""
    assert (ms * TICKS) % 1000 == 0
    return ms * TICKS // 1000


def req(method, path, ticks=0, *, gap=0, outcome="ok", status=200):
    return {
        "method": method,
        "path": path,
        "advance": seconds(ticks),
        "gap": seconds(gap),
        "outcome": outcome,
        "status": status,
    }


def loud(records):
    return [r for r in records if r["levelno"] >= WARNING]


def mentions(message, method, path, ms):
    if re.search(rf"(?<![A-Za-z]){re.escape(method)}(?![A-Za-z])", message) is None:
        return False
    if path not in message:
        return False
    rest = message.replace(path, " ")
    return re.search(rf"(?<![\d.]){ms}(?!\d|\.\d)", rest) is not None


def assert_one_warning(records, method, path, ms, what=""):
    found = loud(records)
    assert len(found) == 1, f"{what}: expected exactly one record at WARNING or above on {LOGGER}, got {found}"
    record = found[0]
    assert record["logger"] == LOGGER, f"{what}: logged on {record['logger']!r}, expected {LOGGER!r}"
    assert record["level"] == "WARNING", f"{what}: logged at {record['level']}, expected WARNING"
    assert mentions(record["message"], method, path, ms), (
        f"{what}: the message {record['message']!r} must contain the method {method!r}, "
        f"the path {path!r} and the whole milliseconds {ms} as an integer"
    )


def assert_quiet(records, what=""):
    assert loud(records) == [], f"{what}: nothing at WARNING or above expected, got {loud(records)}"


def check_served(result, spec_ticks, method, path, threshold_ms, *, status=200, view=True):
    ticks = spec_ticks if view else 0
    what = f"{method} {path} taking {seconds(ticks) * 1000:g} ms (threshold {threshold_ms})"
    assert result["error"] is None, f"{what}: {result['error']}"
    assert result["status"] == status, f"{what}: status {result['status']}"
    assert result["header"] == str(whole_ms(ticks)), (
        f"{what}: X-Response-Time-Ms is {result['header']!r}, expected {str(whole_ms(ticks))!r}"
    )
    if is_slow(ticks, threshold_ms):
        assert_one_warning(result["records"], method, path, whole_ms(ticks), what)
    else:
        assert_quiet(result["records"], what)


# ---------------------------------------------------------------- flags and modes


def test_factory_declares_sync_and_async_capable(driver):
    caps = driver.capabilities()
    assert caps == {"sync_capable": True, "async_capable": True}, caps
    # and it is not just flags: the async stack sets the header
    [result] = driver.serve([req("GET", "/async/flags", 1000)], asynchronous=True)
    assert result["header"] == str(whole_ms(1000))


@pytest.mark.weight(2)
def test_async_get_response_gives_a_coroutine_function_instance(driver):
    obs = driver.direct([req("GET", "/direct/a", ticks_for_ms(125))], asynchronous=True)
    assert obs["init_error"] is None, obs["init_error"]
    assert obs["is_coroutine_function"] is True, "asgiref.sync.iscoroutinefunction(instance) must be True"
    [call] = obs["calls"]
    assert call["raised"] is None, call
    assert call["returned_awaitable"] is True, "calling the instance must return a coroutine"
    assert call["same_response"] is True, "the response get_response returned must be returned"
    assert call["header"] == "125"


@pytest.mark.weight(2)
def test_sync_get_response_gives_a_plain_instance(driver):
    obs = driver.direct([req("GET", "/direct/s", ticks_for_ms(250))], asynchronous=False)
    assert obs["init_error"] is None, obs["init_error"]
    assert obs["is_coroutine_function"] is False, "a sync instance must not look like a coroutine function"
    [call] = obs["calls"]
    assert call["raised"] is None, call
    assert call["returned_awaitable"] is False, "calling a sync instance must return the response itself"
    assert call["same_response"] is True
    assert call["header"] == "250"


# ---------------------------------------------------------------- header


@pytest.mark.weight(2)
def test_header_holds_whole_milliseconds_sync_stack_sync_view(driver):
    ticks = 40173  # 612.99... ms
    [result] = driver.serve([req("GET", "/sync/report", ticks)])
    check_served(result, ticks, "GET", "/sync/report", 500)
    assert result["header"] == "612"


@pytest.mark.weight(2)
def test_header_holds_whole_milliseconds_async_stack_async_view(driver):
    ticks = 20000  # 305.17... ms
    [result] = driver.serve([req("POST", "/async/upload", ticks)], asynchronous=True)
    check_served(result, ticks, "POST", "/async/upload", 500)
    assert result["header"] == "305"


def test_header_async_stack_sync_view(driver):
    ticks = 7000  # 106.8 ms
    [result] = driver.serve([req("PUT", "/sync/item", ticks)], asynchronous=True)
    check_served(result, ticks, "PUT", "/sync/item", 500)


def test_header_sync_stack_async_view(driver):
    ticks = 9999  # 152.57 ms
    [result] = driver.serve([req("DELETE", "/async/item", ticks)])
    check_served(result, ticks, "DELETE", "/async/item", 500)


@pytest.mark.weight(2)
def test_header_rounds_down_never_to_nearest(driver):
    cases = [(64, "0"), (65, "0"), (66, "1"), (40173, "612"), (32767, "499"), (65535, "999"), (65536, "1000")]
    results = driver.serve([req("GET", f"/sync/r{i}", ticks) for i, (ticks, _) in enumerate(cases)])
    assert [r["header"] for r in results] == [header for _, header in cases]


def test_instant_response_has_header_zero(driver):
    for asynchronous in (False, True):
        [result] = driver.serve([req("GET", "/async/instant", 0)], asynchronous=asynchronous)
        check_served(result, 0, "GET", "/async/instant", 500)
        assert result["header"] == "0"


def test_header_on_django_404_for_an_unknown_url(driver):
    for asynchronous in (False, True):
        [result] = driver.serve([req("GET", "/no/such/page", 5000)], asynchronous=asynchronous)
        check_served(result, 5000, "GET", "/no/such/page", 500, status=404, view=False)


def test_header_on_responses_django_makes_from_view_exceptions(driver):
    for asynchronous in (False, True):
        results = driver.serve(
            [
                req("GET", "/sync/broken", 3000, outcome="raise"),
                req("GET", "/async/broken", 4000, outcome="raise"),
                req("GET", "/sync/missing", 2000, outcome="404"),
            ],
            asynchronous=asynchronous,
        )
        check_served(results[0], 3000, "GET", "/sync/broken", 500, status=500)
        check_served(results[1], 4000, "GET", "/async/broken", 500, status=500)
        check_served(results[2], 2000, "GET", "/sync/missing", 500, status=404)


def test_slow_django_500_is_a_slow_request_logged_once(driver):
    ticks = ticks_for_ms(625)
    for asynchronous in (False, True):
        [result] = driver.serve([req("PATCH", "/sync/crash", ticks, outcome="raise")], asynchronous=asynchronous)
        check_served(result, ticks, "PATCH", "/sync/crash", 500, status=500)


def test_header_kept_on_other_statuses(driver):
    results = driver.serve([req("POST", "/sync/made", 100, status=201), req("GET", "/async/tea", 200, status=418)])
    check_served(results[0], 100, "POST", "/sync/made", 500, status=201)
    check_served(results[1], 200, "GET", "/async/tea", 500, status=418)


# ---------------------------------------------------------------- threshold


@pytest.mark.weight(3)
def test_default_threshold_is_500_ms_strictly_exceeded(driver):
    at = ticks_for_ms(500)
    for asynchronous in (False, True):
        results = driver.serve(
            [req("GET", "/sync/at", at), req("GET", "/sync/over", at + 1), req("GET", "/sync/under", at - 1)],
            asynchronous=asynchronous,
        )
        assert [r["header"] for r in results] == ["500", "500", "499"]
        assert_quiet(results[0]["records"], "exactly 500.0 ms is not slow")
        assert_one_warning(results[1]["records"], "GET", "/sync/over", 500, "500.015 ms is slow")
        assert_quiet(results[2]["records"], "499.98 ms is not slow")


@pytest.mark.weight(2)
def test_comparison_uses_the_exact_duration_not_the_whole_ms(driver):
    # 500.5 ms: header "500", but the request is slow.
    ticks = ticks_for_ms(500) + 33
    [result] = driver.serve([req("OPTIONS", "/async/edge", ticks)], asynchronous=True)
    assert result["header"] == "500"
    assert_one_warning(result["records"], "OPTIONS", "/async/edge", 500, "500.5 ms with the default threshold")


@pytest.mark.weight(2)
def test_setting_lowers_the_threshold(driver):
    at = ticks_for_ms(250)
    results = driver.serve(
        [req("GET", "/sync/a", at), req("GET", "/sync/b", at + 1), req("GET", "/async/c", ticks_for_ms(375))],
        slow_ms=250,
    )
    check_served(results[0], at, "GET", "/sync/a", 250)
    check_served(results[1], at + 1, "GET", "/sync/b", 250)
    check_served(results[2], ticks_for_ms(375), "GET", "/async/c", 250)
    assert len(loud(results[1]["records"])) == 1


@pytest.mark.weight(2)
def test_setting_raises_the_threshold(driver):
    at = ticks_for_ms(1000)
    for asynchronous in (False, True):
        results = driver.serve(
            [req("GET", "/sync/x", ticks_for_ms(750)), req("GET", "/sync/y", at), req("GET", "/async/z", at + 1)],
            slow_ms=1000,
            asynchronous=asynchronous,
        )
        assert_quiet(results[0]["records"], "750 ms under a 1000 ms threshold")
        assert_quiet(results[1]["records"], "1000.0 ms under a 1000 ms threshold")
        assert_one_warning(results[2]["records"], "GET", "/async/z", 1000, "1000.015 ms over 1000 ms")


def test_threshold_zero_logs_everything_that_takes_any_time(driver):
    results = driver.serve([req("GET", "/sync/zero", 0), req("GET", "/sync/tiny", 1)], slow_ms=0)
    assert_quiet(results[0]["records"], "0 ms is not more than 0 ms")
    assert_one_warning(results[1]["records"], "GET", "/sync/tiny", 0, "0.015 ms is more than 0 ms")


def test_threshold_applies_to_the_direct_instance_too(driver):
    obs = driver.direct([req("GET", "/d/a", ticks_for_ms(125) + 1), req("GET", "/d/b", ticks_for_ms(125))], slow_ms=125)
    first, second = obs["calls"]
    assert_one_warning(first["records"], "GET", "/d/a", 125, "125.015 ms over 125 ms")
    assert_quiet(second["records"], "125.0 ms under 125 ms")


# ---------------------------------------------------------------- log record


@pytest.mark.weight(2)
def test_slow_request_logs_one_warning_on_request_timing(driver):
    ticks = ticks_for_ms(875)
    [result] = driver.serve([req("POST", "/sync/orders/submit", ticks)])
    assert_one_warning(result["records"], "POST", "/sync/orders/submit", 875, "875 ms")


@pytest.mark.weight(2)
def test_log_message_names_method_path_and_whole_ms(driver):
    ticks = 47000  # 717.16 ms
    [result] = driver.serve([req("HEAD", "/async/catalogue/items", ticks)], asynchronous=True)
    assert_one_warning(result["records"], "HEAD", "/async/catalogue/items", 717, "717.16 ms")
    message = loud(result["records"])[0]["message"]
    assert "717.1" not in message, f"the duration must be written as a whole number: {message!r}"


def test_log_message_names_the_path_of_a_request_with_a_query_string(driver):
    ticks = ticks_for_ms(625)
    [result] = driver.serve([req("GET", "/sync/search?q=1", ticks)])
    assert_one_warning(result["records"], "GET", "/sync/search", 625, "query string")


def test_fast_requests_log_nothing_at_warning(driver):
    results = driver.serve([req(m, f"/sync/{m.lower()}", 3000) for m in ("GET", "POST", "PUT", "DELETE")])
    for result in results:
        assert result["header"] == str(whole_ms(3000))
        assert_quiet(result["records"], "45.8 ms")


@pytest.mark.weight(2)
def test_each_slow_request_in_a_sequence_logs_once(driver):
    long = ticks_for_ms(500) + 100
    specs = [
        req("GET", "/sync/one", long),
        req("GET", "/sync/two", 10),
        req("POST", "/async/three", long * 2, gap=TICKS),
        req("GET", "/async/four", long),
    ]
    for asynchronous in (False, True):
        results = driver.serve(specs, asynchronous=asynchronous)
        for spec, result in zip(specs, results, strict=True):
            ticks = round(spec["advance"] * TICKS)
            check_served(result, ticks, spec["method"], spec["path"], 500)


# ---------------------------------------------------------------- exceptions


@pytest.mark.weight(3)
def test_exception_from_get_response_is_reraised_unchanged_sync(driver):
    obs = driver.direct([req("GET", "/d/fail", 500, outcome="raise")])
    [call] = obs["calls"]
    assert call["raised"] == "ViewFailure", f"the exception must propagate, got {call}"
    assert call["same_exception"] is True, "re-raise the same exception object"


@pytest.mark.weight(2)
def test_exception_from_get_response_is_reraised_unchanged_async(driver):
    obs = driver.direct([req("POST", "/d/fail", 500, outcome="raise_value")], asynchronous=True)
    [call] = obs["calls"]
    assert call["raised"] == "ValueError", f"the exception must propagate, got {call}"
    assert call["same_exception"] is True, "re-raise the same exception object"


@pytest.mark.weight(2)
def test_fast_exception_logs_one_warning_with_its_duration(driver):
    for asynchronous in (False, True):
        obs = driver.direct([req("DELETE", "/d/quick", 2000, outcome="raise")], asynchronous=asynchronous)
        [call] = obs["calls"]
        assert call["raised"] == "ViewFailure", call
        assert_one_warning(call["records"], "DELETE", "/d/quick", whole_ms(2000), "a 30 ms failure")


@pytest.mark.weight(2)
def test_slow_exception_logs_exactly_one_warning(driver):
    ticks = ticks_for_ms(1250)
    for asynchronous in (False, True):
        obs = driver.direct([req("PUT", "/d/slowfail", ticks, outcome="raise_value")], asynchronous=asynchronous)
        [call] = obs["calls"]
        assert call["raised"] == "ValueError", call
        assert call["same_exception"] is True
        assert_one_warning(call["records"], "PUT", "/d/slowfail", 1250, "a 1250 ms failure")


def test_instant_exception_logs_zero_ms(driver):
    obs = driver.direct([req("GET", "/d/zero", 0, outcome="raise")], slow_ms=1000)
    [call] = obs["calls"]
    assert call["raised"] == "ViewFailure", call
    assert_one_warning(call["records"], "GET", "/d/zero", 0, "a 0 ms failure")


def test_instance_keeps_working_after_an_exception(driver):
    for asynchronous in (False, True):
        obs = driver.direct(
            [req("GET", "/d/x", 100, outcome="raise"), req("GET", "/d/y", ticks_for_ms(625))],
            asynchronous=asynchronous,
        )
        failed, ok = obs["calls"]
        assert failed["raised"] == "ViewFailure"
        assert ok["raised"] is None, ok
        assert ok["same_response"] is True
        assert ok["header"] == "625"
        assert_one_warning(ok["records"], "GET", "/d/y", 625, "slow after a failure")


# ---------------------------------------------------------------- state


@pytest.mark.weight(2)
def test_one_instance_times_each_request_on_its_own(driver):
    # Time passes between requests (gap) without any view running: it must not count.
    specs = [
        req("GET", "/sync/first", 1000),
        req("GET", "/sync/second", 2000, gap=5 * TICKS),
        req("GET", "/async/third", 3000, gap=TICKS),
    ]
    for asynchronous in (False, True):
        results = driver.serve(specs, asynchronous=asynchronous)
        assert [r["header"] for r in results] == [str(whole_ms(t)) for t in (1000, 2000, 3000)]
        for result in results:
            assert_quiet(result["records"], "gaps between requests are not request time")


@pytest.mark.weight(2)
def test_overlapping_async_requests_report_their_own_durations(driver):
    first = {"method": "GET", "path": "/d/first", "before": seconds(ticks_for_ms(250)), "after": seconds(0)}
    second = {"method": "POST", "path": "/d/second", "advance": seconds(ticks_for_ms(125))}
    obs = driver.concurrent(first, second, slow_ms=300)
    assert obs["second"] == {"header": "125", "same_response": True, "raised": None}, obs
    # the first request was in flight during the whole second request: 250 + 125 ms
    assert obs["first"] == {"header": "375", "same_response": True, "raised": None}, obs
    assert_one_warning(obs["records"], "GET", "/d/first", 375, "the overlapping request")


def test_overlapping_async_requests_with_time_after_the_second(driver):
    first = {"method": "PUT", "path": "/d/a", "before": seconds(1000), "after": seconds(ticks_for_ms(500))}
    second = {"method": "GET", "path": "/d/b", "advance": seconds(ticks_for_ms(750))}
    obs = driver.concurrent(first, second)
    assert obs["second"]["header"] == "750", obs
    assert obs["first"]["header"] == str(whole_ms(1000 + ticks_for_ms(1250))), obs
    found = loud(obs["records"])
    assert len(found) == 2, found
    assert mentions(found[0]["message"], "GET", "/d/b", 750), found
    assert mentions(found[1]["message"], "PUT", "/d/a", whole_ms(1000 + ticks_for_ms(1250))), found


# ---------------------------------------------------------------- properties

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
THRESHOLDS = [None, 0, 1, 125, 250, 333, 500, 1000]
segments = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)


@st.composite
def durations(draw, threshold_ms):
    limit = 500 if threshold_ms is None else threshold_ms
    near = limit * TICKS // 1000
    return draw(
        st.one_of(
            st.integers(0, 3 * TICKS),
            st.integers(max(near - 2, 0), near + 2),
            st.integers(0, 200),
        )
    )


@st.composite
def served_scenarios(draw):
    threshold_ms = draw(st.sampled_from(THRESHOLDS))
    asynchronous = draw(st.booleans())
    specs = []
    for _ in range(draw(st.integers(1, 5))):
        where = draw(st.sampled_from(["sync", "async", "sync", "async", "nowhere"]))
        path = f"/{where}/{draw(segments)}"
        outcome = "ok" if where == "nowhere" else draw(st.sampled_from(["ok", "ok", "ok", "raise", "404"]))
        status = draw(st.sampled_from([200, 201, 202, 418]))
        specs.append(
            req(
                draw(st.sampled_from(METHODS)),
                path,
                draw(durations(threshold_ms)),
                gap=draw(st.integers(0, TICKS)),
                outcome=outcome,
                status=status,
            )
        )
    start = draw(st.integers(0, 1 << 20)) / TICKS
    return threshold_ms, asynchronous, specs, start


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(scenario=served_scenarios())
def test_any_request_sequence_matches_the_model(driver, scenario):
    threshold_ms, asynchronous, specs, start = scenario
    results = driver.serve(specs, slow_ms=threshold_ms, asynchronous=asynchronous, start=start)
    limit = 500 if threshold_ms is None else threshold_ms
    assert len(results) == len(specs)
    for spec, result in zip(specs, results, strict=True):
        view = not spec["path"].startswith("/nowhere/")
        status = {"ok": spec["status"], "raise": 500, "404": 404}[spec["outcome"]] if view else 404
        check_served(
            result, round(spec["advance"] * TICKS), spec["method"], spec["path"], limit, status=status, view=view
        )


@st.composite
def direct_scenarios(draw):
    threshold_ms = draw(st.sampled_from(THRESHOLDS))
    calls = [
        req(
            draw(st.sampled_from(METHODS)),
            f"/direct/{draw(segments)}",
            draw(durations(threshold_ms)),
            gap=draw(st.integers(0, TICKS)),
            outcome=draw(st.sampled_from(["ok", "ok", "raise", "raise_value"])),
            status=draw(st.sampled_from([200, 204, 302])),
        )
        for _ in range(draw(st.integers(1, 4)))
    ]
    return threshold_ms, draw(st.booleans()), calls, draw(st.integers(0, 1 << 20)) / TICKS


@pytest.mark.weight(3)
@settings(max_examples=40)
@given(scenario=direct_scenarios())
def test_any_direct_call_sequence_matches_the_model(driver, scenario):
    threshold_ms, asynchronous, calls, start = scenario
    obs = driver.direct(calls, asynchronous=asynchronous, slow_ms=threshold_ms, start=start)
    assert obs["init_error"] is None, obs["init_error"]
    assert obs["is_coroutine_function"] is asynchronous
    limit = 500 if threshold_ms is None else threshold_ms
    for spec, call in zip(calls, obs["calls"], strict=True):
        ticks = round(spec["advance"] * TICKS)
        what = f"{spec['method']} {spec['path']} ({spec['outcome']}, {seconds(ticks) * 1000:g} ms, threshold {limit})"
        if spec["outcome"] == "ok":
            assert call["raised"] is None, f"{what}: {call}"
            assert call["returned_awaitable"] is asynchronous, what
            assert call["same_response"] is True, what
            assert call["status"] == spec["status"], what
            assert call["header"] == str(whole_ms(ticks)), f"{what}: header {call['header']!r}"
            if is_slow(ticks, limit):
                assert_one_warning(call["records"], spec["method"], spec["path"], whole_ms(ticks), what)
            else:
                assert_quiet(call["records"], what)
        else:
            expected = "ViewFailure" if spec["outcome"] == "raise" else "ValueError"
            assert call["raised"] == expected, f"{what}: {call}"
            assert call["same_exception"] is True, what
            assert_one_warning(call["records"], spec["method"], spec["path"], whole_ms(ticks), what)


@st.composite
def overlapping_scenarios(draw):
    threshold_ms = draw(st.sampled_from(THRESHOLDS))
    first = {
        "method": draw(st.sampled_from(METHODS)),
        "path": f"/d/{draw(segments)}",
        "before": seconds(draw(st.integers(TICKS // 100, 2 * TICKS))),
        "after": seconds(draw(durations(threshold_ms))),
    }
    second = {
        "method": draw(st.sampled_from(METHODS)),
        "path": f"/e/{draw(segments)}",
        "advance": seconds(draw(durations(threshold_ms))),
    }
    return threshold_ms, first, second, draw(st.integers(0, 1 << 20)) / TICKS


@settings(max_examples=30)
@given(scenario=overlapping_scenarios())
def test_any_overlapping_async_pair_reports_its_own_durations(driver, scenario):
    threshold_ms, first, second, start = scenario
    obs = driver.concurrent(first, second, slow_ms=threshold_ms, start=start)
    limit = 500 if threshold_ms is None else threshold_ms
    # The first request was in flight for its own time and the whole second request; the second
    # finished (and logged) first.
    second_ticks = round(second["advance"] * TICKS)
    first_ticks = round((first["before"] + first["after"]) * TICKS) + second_ticks
    assert obs["second"] == {"header": str(whole_ms(second_ticks)), "same_response": True, "raised": None}, obs
    assert obs["first"] == {"header": str(whole_ms(first_ticks)), "same_response": True, "raised": None}, obs
    expected = [
        (spec["method"], spec["path"], whole_ms(ticks))
        for spec, ticks in ((second, second_ticks), (first, first_ticks))
        if is_slow(ticks, limit)
    ]
    found = loud(obs["records"])
    assert len(found) == len(expected), f"expected one warning per slow request ({expected}), got {found}"
    for record, (method, path, ms) in zip(found, expected, strict=True):
        assert record["level"] == "WARNING" and record["logger"] == LOGGER, record
        assert mentions(record["message"], method, path, ms), (record["message"], method, path, ms)
