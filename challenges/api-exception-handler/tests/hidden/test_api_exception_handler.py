"""Hidden suite for api-exception-handler.

The driver sends real requests through Django's test client to DRF views of the
`errorsapp` package (one of them raises the exception a test stages from a plain
spec) and returns status, headers, JSON body and the records logged on api.errors.
Expected bodies are computed here; DRF 3.18's default texts are written out below.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

ERROR = 40
LOGGER = "api.errors"
STAGED = "/api/staged/"

# DRF 3.18 (English) class defaults: status, code, detail.
DRF_DEFAULTS = {
    "APIException": (500, "error", "A server error occurred."),
    "ParseError": (400, "parse_error", "Malformed request."),
    "AuthenticationFailed": (401, "authentication_failed", "Incorrect authentication credentials."),
    "NotAuthenticated": (401, "not_authenticated", "Authentication credentials were not provided."),
    "PermissionDenied": (403, "permission_denied", "You do not have permission to perform this action."),
    "NotFound": (404, "not_found", "Not found."),
    "NotAcceptable": (406, "not_acceptable", "Could not satisfy the request Accept header."),
    # the challenge app's own APIException subclasses
    "PaymentRequired": (402, "payment_required", "Payment is required for this resource."),
    "Archived": (404, "archived", "This record was archived."),
}
# The staged view has no authentication scheme: DRF turns these 401s into 403s.
NO_SCHEME_403 = {"NotAuthenticated", "AuthenticationFailed"}


# ---------------------------------------------------------------- helpers


def drf(name, *args, **kwargs):
    return {"family": "drf", "name": name, "args": list(args), "kwargs": kwargs}


def django(name, *args):
    return {"family": "django", "name": name, "args": list(args)}


def plain(name, *args):
    return {"family": "plain", "name": name, "args": list(args)}


def loud(records):
    return [r for r in records if r["levelno"] >= ERROR]


def body(status, code, message, path, fields=None):
    error = {"status": status, "code": code, "message": message, "path": path}
    if fields is not None:
        error["fields"] = fields
    return {"error": error}


def assert_json(result):
    assert result["headers"].get("Content-Type", "").startswith("application/json"), (
        f"expected a JSON response, got {result['status']} {result['headers'].get('Content-Type')}: "
        f"{result['text'][:300]!r}"
    )


def assert_handled(result, expected, *, retry_after=None, www_authenticate=None):
    """A client error: the exact body, the headers, and nothing at ERROR on api.errors."""
    assert_json(result)
    assert result["json"] == expected, f"body {result['json']!r}, expected {expected!r}"
    assert result["status"] == expected["error"]["status"], f"response status {result['status']}"
    assert result["headers"].get("Retry-After") == retry_after, f"Retry-After {result['headers'].get('Retry-After')!r}"
    assert result["headers"].get("WWW-Authenticate") == www_authenticate, (
        f"WWW-Authenticate {result['headers'].get('WWW-Authenticate')!r}"
    )
    assert loud(result["records"]) == [], f"client errors must not be logged at ERROR: {loud(result['records'])}"


def assert_server_error(result, path, exc_type, exc_message=None, secrets=()):
    """A 500 with the generic body, logged exactly once at ERROR with exc_info; returns the message."""
    assert_json(result)
    data = result["json"]
    assert result["status"] == 500, f"status {result['status']}"
    assert isinstance(data, dict) and list(data) == ["error"], f"body {data!r}"
    error = data["error"]
    assert sorted(error) == ["code", "message", "path", "status"], f"keys {sorted(error)}"
    assert error["status"] == 500 and error["code"] == "server_error" and error["path"] == path, error
    assert isinstance(error["message"], str) and error["message"].strip(), "the message must be a non-empty string"
    leaks = [exc_type, "Traceback", *secrets]
    headers_text = " ".join(f"{k}: {v}" for k, v in result["headers"].items())
    for leak in leaks:
        assert leak not in result["text"], f"the response body reveals {leak!r}: {result['text'][:300]!r}"
        assert leak not in headers_text, f"the response headers reveal {leak!r}"
    records = loud(result["records"])
    assert len(records) == 1, f"expected exactly one record at ERROR or above on {LOGGER}, got {records}"
    record = records[0]
    assert record["logger"] == LOGGER, f"logged on {record['logger']!r}"
    assert record["level"] == "ERROR", f"logged at {record['level']}"
    assert record["exc_info"] is True, "the record must carry the exception as exc_info"
    assert record["exc_type"] == exc_type, f"exc_info holds {record['exc_type']}, expected {exc_type}"
    if exc_message is not None:
        assert record["exc_message"] == exc_message, f"exc_info holds {record['exc_message']!r}"
    return error["message"]


# ---------------------------------------------------------------- oracle


def join(key, name):
    return f"{key}.{name}" if key else str(name)


def flatten(detail, key=""):
    """The `fields` rule of the prompt, written independently of any solution."""
    out = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            out.update(flatten(value, join(key, name)))
        return out
    if isinstance(detail, list) and detail and all(isinstance(item, str) for item in detail):
        out[key or "non_field_errors"] = list(detail)
        return out
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            out.update(flatten(item, join(key, index)))
        return out
    out[key or "non_field_errors"] = [detail]
    return out


def throttled_message(wait):
    message = "Request was throttled."
    if wait is None:
        return message
    seconds = math.ceil(wait)
    unit = "second" if seconds == 1 else "seconds"
    return f"{message} Expected available in {seconds} {unit}."


def expected_for(spec, path):
    """(kind, expected) for a staged spec: kind "handled" with (body, retry_after) or "server"."""
    family, name = spec["family"], spec.get("name")
    args, kwargs = spec.get("args", []), spec.get("kwargs", {})
    if family == "drf" and name == "ValidationError":
        return "handled", (
            body(400, "invalid", "Invalid input.", path, flatten(args[0] if args else "Invalid input.")),
            None,
        )
    if family == "drf" and name == "Throttled":
        wait = kwargs.get("wait")
        retry = str(math.ceil(wait)) if wait is not None and math.ceil(wait) > 0 else None
        return "handled", (body(429, "throttled", throttled_message(wait), path), retry)
    if family == "drf":
        status, code, detail = DRF_DEFAULTS[name]
        if name in NO_SCHEME_403:
            status = 403
        detail = args[0] if args else kwargs.get("detail", detail)
        return "handled", (body(status, kwargs.get("code") or code, detail, path), None)
    if family == "django" and name in ("Http404", "PermissionDenied"):
        drf_name = "NotFound" if name == "Http404" else "PermissionDenied"
        status, code, detail = DRF_DEFAULTS[drf_name]
        return "handled", (body(status, code, args[0] if args else detail, path), None)
    return "server", None


def check_staged(result, spec, path):
    kind, expected = expected_for(spec, path)
    if kind == "handled":
        data, retry = expected
        assert_handled(result, data, retry_after=retry)
    else:
        exc_type = "ZeroDivisionError" if spec["family"] == "divide" else spec["name"]
        secrets = [a for a in spec.get("args", []) if isinstance(a, str) and a.startswith("secret-")]
        assert_server_error(result, path.split("?")[0], exc_type, secrets=secrets)


# ---------------------------------------------------------------- shape and path


@pytest.mark.weight(2)
def test_not_found_body_has_exactly_the_four_keys(driver):
    result = driver.call("GET", "/api/staged/books/7", spec=drf("NotFound"))
    assert_handled(result, body(404, "not_found", "Not found.", "/api/staged/books/7"))


def test_path_is_the_request_path_without_query_string(driver):
    result = driver.call("GET", "/api/staged/search?q=django&page=2", spec=drf("NotFound"))
    assert_handled(result, body(404, "not_found", "Not found.", "/api/staged/search"))


def test_path_follows_each_request(driver):
    for path in ("/api/staged/a", "/api/staged/b/c/", "/api/staged/", "/api/staged/%C3%A9t%C3%A9"):
        result = driver.call("PATCH", path, spec=drf("PermissionDenied"))
        expected_path = "/api/staged/été" if "%" in path else path
        assert result["json"]["error"]["path"] == expected_path, result["json"]


def test_fields_absent_on_errors_other_than_validation(driver):
    for spec in (drf("NotFound"), drf("Throttled", wait=3), django("Http404"), plain("ValueError", "x")):
        result = driver.call("GET", "/api/staged/f", spec=spec)
        assert "fields" not in result["json"]["error"], f"{spec['name']}: {result['json']}"


# ---------------------------------------------------------------- validation


@pytest.mark.weight(2)
def test_validation_errors_by_field(driver):
    detail = {"email": ["Enter a valid email address."], "name": ["Too short.", "Must not be blank."]}
    result = driver.call("POST", "/api/staged/users", spec=drf("ValidationError", detail))
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/users", detail))


@pytest.mark.weight(2)
def test_top_level_message_goes_to_non_field_errors(driver):
    result = driver.call("POST", "/api/staged/pw", spec=drf("ValidationError", "Passwords differ."))
    assert_handled(
        result, body(400, "invalid", "Invalid input.", "/api/staged/pw", {"non_field_errors": ["Passwords differ."]})
    )


def test_top_level_list_of_messages_goes_to_non_field_errors(driver):
    result = driver.call("POST", "/api/staged/x", spec=drf("ValidationError", ["First.", "Second."]))
    assert_handled(
        result, body(400, "invalid", "Invalid input.", "/api/staged/x", {"non_field_errors": ["First.", "Second."]})
    )


def test_string_under_a_field_is_a_list_of_one_message(driver):
    result = driver.call("PUT", "/api/staged/x", spec=drf("ValidationError", {"title": "Required."}))
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/x", {"title": ["Required."]}))


def test_validation_code_is_invalid_whatever_the_message_codes(driver):
    spec = drf("ValidationError", {"qty": ["Too many."]}, code="max_value")
    result = driver.call("POST", "/api/staged/x", spec=spec)
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/x", {"qty": ["Too many."]}))


@pytest.mark.weight(2)
def test_nested_dicts_and_lists_are_flattened_with_dots(driver):
    detail = {
        "address": {"zip": ["Bad zip."], "geo": {"lat": ["Out of range."]}},
        "lines": [{}, {"qty": ["Must be positive."]}, {"sku": ["Unknown."], "qty": ["Too big."]}],
        "tags": {1: ["Not an int."], 3: ["Not an int."]},
    }
    result = driver.call("POST", "/api/staged/orders", spec=drf("ValidationError", detail))
    fields = {
        "address.zip": ["Bad zip."],
        "address.geo.lat": ["Out of range."],
        "lines.1.qty": ["Must be positive."],
        "lines.2.sku": ["Unknown."],
        "lines.2.qty": ["Too big."],
        "tags.1": ["Not an int."],
        "tags.3": ["Not an int."],
    }
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/orders", fields))


def test_empty_validation_detail_gives_empty_fields(driver):
    result = driver.call("POST", "/api/staged/x", spec=drf("ValidationError", {}))
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/x", {}))


def test_top_level_list_of_item_errors_is_indexed(driver):
    detail = [{"name": ["Required."]}, {}, {"name": ["Too long."]}]
    result = driver.call("POST", "/api/staged/bulk", spec=drf("ValidationError", detail))
    fields = {"0.name": ["Required."], "2.name": ["Too long."]}
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/bulk", fields))


@pytest.mark.weight(3)
def test_real_serializer_errors_are_flattened(driver):
    order = {
        "email": "nope",
        "address": {"city": "Paris", "zip": "1"},
        "lines": [{"sku": "abc", "qty": 1}, {"sku": "toolong", "qty": 0}],
        "tags": [1, "a", 3, "b"],
    }
    result = driver.call("POST", "/api/orders/", json_body=order)
    fields = {
        "email": ["Enter a valid email address."],
        "address.zip": ["This value does not match the required pattern."],
        "lines.1.sku": ["Ensure this field has no more than 3 characters."],
        "lines.1.qty": ["Ensure this value is greater than or equal to 1."],
        "tags.1": ["A valid integer is required."],
        "tags.3": ["A valid integer is required."],
    }
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/orders/", fields))


def test_real_serializer_non_field_errors_nested_and_top(driver):
    nested = {"email": "a@b.example", "address": {"city": "Nowhere", "zip": "12345"}, "lines": []}
    result = driver.call("POST", "/api/orders/", json_body=nested)
    fields = {"address.non_field_errors": ["We do not deliver there."]}
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/orders/", fields))
    top = {"email": "a@example.invalid", "address": {"city": "Paris", "zip": "12345"}, "lines": []}
    result = driver.call("POST", "/api/orders/", json_body=top)
    fields = {"non_field_errors": ["Orders from this domain are closed."]}
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/orders/", fields))


def test_real_serializer_missing_fields(driver):
    result = driver.call("POST", "/api/orders/", json_body={})
    required = ["This field is required."]
    fields = {"email": required, "address": required, "lines": required}
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/orders/", fields))


# ---------------------------------------------------------------- DRF exceptions


def test_drf_not_found_with_its_own_detail(driver):
    result = driver.call("GET", "/api/staged/b/9", spec=drf("NotFound", "No book 9."))
    assert_handled(result, body(404, "not_found", "No book 9.", "/api/staged/b/9"))


def test_drf_permission_denied(driver):
    result = driver.call("DELETE", "/api/staged/b/9", spec=drf("PermissionDenied"))
    assert_handled(
        result, body(403, "permission_denied", "You do not have permission to perform this action.", "/api/staged/b/9")
    )


@pytest.mark.weight(2)
def test_code_given_when_raising_is_kept(driver):
    result = driver.call("POST", "/api/staged/acct", spec=drf("PermissionDenied", "Account locked.", code="locked"))
    assert_handled(result, body(403, "locked", "Account locked.", "/api/staged/acct"))


@pytest.mark.weight(2)
def test_custom_api_exception_keeps_its_status_and_code(driver):
    result = driver.call("GET", "/api/staged/premium", spec=drf("PaymentRequired"))
    assert_handled(
        result, body(402, "payment_required", "Payment is required for this resource.", "/api/staged/premium")
    )


def test_subclass_of_not_found_keeps_its_own_code(driver):
    result = driver.call("GET", "/api/staged/old", spec=drf("Archived"))
    assert_handled(result, body(404, "archived", "This record was archived.", "/api/staged/old"))


def test_base_api_exception_is_a_drf_500_not_logged(driver):
    result = driver.call("GET", "/api/staged/base", spec=drf("APIException"))
    assert_handled(result, body(500, "error", "A server error occurred.", "/api/staged/base"))


@pytest.mark.weight(3)
def test_throttled_keeps_retry_after(driver):
    for wait, header in ((1, "1"), (60, "60"), (2.5, "3"), (3600, "3600")):
        result = driver.call("GET", "/api/staged/t", spec=drf("Throttled", wait=wait))
        assert_handled(result, body(429, "throttled", throttled_message(wait), "/api/staged/t"), retry_after=header)


def test_throttled_without_wait_has_no_retry_after(driver):
    result = driver.call("GET", "/api/staged/t", spec=drf("Throttled"))
    assert_handled(result, body(429, "throttled", "Request was throttled.", "/api/staged/t"))


@pytest.mark.weight(2)
def test_missing_credentials_with_basic_auth_is_401_with_www_authenticate(driver):
    result = driver.call("GET", "/api/basic/")
    assert_handled(
        result,
        body(401, "not_authenticated", "Authentication credentials were not provided.", "/api/basic/"),
        www_authenticate='Basic realm="api"',
    )


def test_wrong_basic_credentials_are_401_authentication_failed(driver):
    result = driver.call("GET", "/api/basic/", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert_handled(
        result,
        body(401, "authentication_failed", "Invalid username/password.", "/api/basic/"),
        www_authenticate='Basic realm="api"',
    )


@pytest.mark.weight(2)
def test_missing_credentials_without_auth_scheme_is_403_not_authenticated(driver):
    result = driver.call("GET", "/api/session/")
    assert_handled(
        result, body(403, "not_authenticated", "Authentication credentials were not provided.", "/api/session/")
    )


def test_method_not_allowed(driver):
    result = driver.call("DELETE", "/api/orders/")
    assert_handled(result, body(405, "method_not_allowed", 'Method "DELETE" not allowed.', "/api/orders/"))


def test_malformed_json_is_a_parse_error(driver):
    result = driver.call("POST", "/api/orders/", data="{bad", content_type="application/json")
    assert_json(result)
    error = result["json"]["error"]
    assert result["status"] == 400
    assert sorted(error) == ["code", "message", "path", "status"], error
    assert (error["status"], error["code"], error["path"]) == (400, "parse_error", "/api/orders/"), error
    assert error["message"].startswith("JSON parse error"), error
    assert loud(result["records"]) == []


def test_unsupported_media_type(driver):
    result = driver.call("POST", "/api/orders/", data="hello", content_type="text/plain")
    assert_handled(
        result, body(415, "unsupported_media_type", 'Unsupported media type "text/plain" in request.', "/api/orders/")
    )


def test_not_acceptable(driver):
    result = driver.call("GET", "/api/orders/", headers={"Accept": "text/csv"})
    assert_handled(result, body(406, "not_acceptable", "Could not satisfy the request Accept header.", "/api/orders/"))


# ---------------------------------------------------------------- Django's exceptions


@pytest.mark.weight(2)
def test_django_http404_is_not_found(driver):
    result = driver.call("GET", "/api/staged/p/1", spec=django("Http404"))
    assert_handled(result, body(404, "not_found", "Not found.", "/api/staged/p/1"))
    result = driver.call("GET", "/api/staged/p/2", spec=django("Http404", "No Page matches the given query."))
    assert_handled(result, body(404, "not_found", "No Page matches the given query.", "/api/staged/p/2"))


@pytest.mark.weight(2)
def test_django_permission_denied_is_forbidden(driver):
    result = driver.call("POST", "/api/staged/admin", spec=django("PermissionDenied"))
    assert_handled(
        result,
        body(403, "permission_denied", "You do not have permission to perform this action.", "/api/staged/admin"),
    )
    result = driver.call("POST", "/api/staged/admin", spec=django("PermissionDenied", "Staff only."))
    assert_handled(result, body(403, "permission_denied", "Staff only.", "/api/staged/admin"))


# ---------------------------------------------------------------- unexpected exceptions


@pytest.mark.weight(3)
def test_unexpected_exception_is_a_generic_500(driver):
    result = driver.call("GET", "/api/staged/report", spec=plain("ValueError", "secret-db-password-hunter2"))
    assert_server_error(result, "/api/staged/report", "ValueError", secrets=["secret-db-password-hunter2", "hunter2"])


@pytest.mark.weight(3)
def test_unexpected_exception_is_logged_once_at_error_with_exc_info(driver):
    result = driver.call("POST", "/api/staged/report", spec=plain("RuntimeError", "secret-token-42"))
    assert_server_error(result, "/api/staged/report", "RuntimeError", exc_message="secret-token-42")


def test_real_zero_division_is_a_500(driver):
    result = driver.call("GET", "/api/staged/ratio", spec={"family": "divide", "by": 0})
    assert result["raised"] == "ZeroDivisionError"
    assert_server_error(result, "/api/staged/ratio", "ZeroDivisionError", exc_message="division by zero")


def test_django_validation_error_and_does_not_exist_are_500s(driver):
    for name in ("ValidationError", "ObjectDoesNotExist"):
        result = driver.call("PUT", "/api/staged/model", spec=django(name, "secret-model-detail"))
        assert_server_error(result, "/api/staged/model", name, secrets=["secret-model-detail"])


def test_application_exception_is_a_500(driver):
    result = driver.call("GET", "/api/staged/ledger", spec=plain("LedgerError", "secret-balance-12.50"))
    assert_server_error(result, "/api/staged/ledger", "LedgerError", exc_message="secret-balance-12.50")


@pytest.mark.weight(2)
def test_server_error_message_is_the_same_for_every_exception(driver):
    messages = set()
    for index, name in enumerate(("ValueError", "KeyError", "TypeError", "AttributeError", "LookupError")):
        secret = f"secret-{name.lower()}-{index}"
        result = driver.call("GET", f"/api/staged/e{index}", spec=plain(name, secret))
        messages.add(assert_server_error(result, f"/api/staged/e{index}", name, secrets=[secret]))
    assert len(messages) == 1, f"the 500 message must be one fixed text, got {messages}"


@pytest.mark.weight(2)
def test_client_errors_are_not_logged_at_error(driver):
    specs = [drf("NotFound"), drf("ValidationError", {"a": ["b"]}), drf("Throttled", wait=5), django("Http404")]
    specs += [django("PermissionDenied"), drf("PaymentRequired"), drf("NotAuthenticated")]
    for spec in specs:
        result = driver.call("GET", "/api/staged/q", spec=spec)
        assert_json(result)
        assert 400 <= result["status"] < 500, f"{spec['name']}: status {result['status']}"
        assert loud(result["records"]) == [], f"{spec['name']}: {loud(result['records'])}"


# ---------------------------------------------------------------- properties

field_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
messages = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=20)
message_lists = st.lists(messages, min_size=1, max_size=3)


def details():
    leaf = st.one_of(messages, message_lists)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.dictionaries(st.one_of(field_names, st.integers(0, 20)), inner, min_size=1, max_size=3),
            st.lists(
                st.one_of(st.just({}), st.dictionaries(field_names, inner, min_size=1, max_size=3)),
                min_size=1,
                max_size=3,
            ),
        ),
        max_leaves=8,
    )


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(detail=st.one_of(details(), st.dictionaries(field_names, details(), max_size=4)))
def test_any_validation_detail_is_flattened(driver, detail):
    result = driver.call("POST", "/api/staged/generated", spec=drf("ValidationError", detail))
    assert_handled(result, body(400, "invalid", "Invalid input.", "/api/staged/generated", flatten(detail)))


DRF_NAMES = sorted(DRF_DEFAULTS)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
codes = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)


@st.composite
def staged_specs(draw):
    family = draw(st.sampled_from(["drf", "drf", "throttled", "django", "plain", "divide"]))
    if family == "drf":
        name = draw(st.sampled_from(DRF_NAMES))
        args = [draw(texts)] if draw(st.booleans()) else []
        kwargs = {"code": draw(codes)} if draw(st.booleans()) else {}
        return drf(name, *args, **kwargs)
    if family == "throttled":
        kwargs = {}
        if draw(st.booleans()):
            kwargs["wait"] = draw(st.one_of(st.integers(1, 100_000), st.floats(0.01, 5000, allow_nan=False)))
        return drf("Throttled", **kwargs)
    if family == "django":
        name = draw(st.sampled_from(["Http404", "PermissionDenied", "ValidationError", "ObjectDoesNotExist"]))
        if name in ("Http404", "PermissionDenied"):
            return django(name, *([draw(texts)] if draw(st.booleans()) else []))
        return django(name, f"secret-{draw(st.integers(0, 10**9))}")
    if family == "plain":
        name = draw(st.sampled_from(["ValueError", "KeyError", "TypeError", "RuntimeError", "LedgerError"]))
        return plain(name, f"secret-{draw(st.integers(0, 10**9))}")
    return {"family": "divide", "by": 0}


@pytest.mark.weight(3)
@settings(max_examples=60)
@given(
    spec=staged_specs(),
    segment=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_/", max_size=12),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    query=st.sampled_from(["", "?page=3", "?q=a&b=c"]),
)
def test_any_exception_gets_the_right_response(driver, spec, segment, method, query):
    path = STAGED + segment
    result = driver.call(method, path + query, spec=spec)
    check_staged(result, spec, path)


BASIC = "/api/basic/"
BASIC_REALM = 'Basic realm="api"'
credentials_text = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", max_size=12)


def b64(text):
    import base64

    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@st.composite
def basic_attempts(draw):
    """(Authorization header or None, DRF's code and message for it) on a view whose only scheme is Basic."""
    kind = draw(st.sampled_from(["none", "other_scheme", "bare", "spaces", "no_colon", "unknown_user"]))
    missing = ("not_authenticated", "Authentication credentials were not provided.")
    scheme = draw(st.sampled_from(["Basic", "basic", "BASIC"]))
    if kind == "none":
        return None, missing
    if kind == "other_scheme":
        return f"{draw(st.sampled_from(['Bearer', 'Token', 'Digest']))} {b64(draw(credentials_text))}", missing
    if kind == "bare":
        return scheme, ("authentication_failed", "Invalid basic header. No credentials provided.")
    if kind == "spaces":
        parts = draw(st.lists(credentials_text.filter(bool), min_size=2, max_size=3))
        return f"{scheme} {' '.join(parts)}", (
            "authentication_failed",
            "Invalid basic header. Credentials string should not contain spaces.",
        )
    if kind == "no_colon":
        return f"{scheme} {b64(draw(credentials_text.filter(bool)))}", (
            "authentication_failed",
            "Invalid basic header. Credentials not correctly base64 encoded.",
        )
    user, password = draw(credentials_text), draw(credentials_text)
    return f"{scheme} {b64(user + ':' + password)}", ("authentication_failed", "Invalid username/password.")


@settings(max_examples=30)
@given(attempt=basic_attempts(), query=st.sampled_from(["", "?page=3", "?q=a&b=c"]))
def test_any_basic_auth_failure_is_a_401_with_www_authenticate(driver, attempt, query):
    header, (code, message) = attempt
    headers = {} if header is None else {"Authorization": header}
    result = driver.call("GET", BASIC + query, headers=headers)
    assert_handled(result, body(401, code, message, BASIC), www_authenticate=BASIC_REALM)
