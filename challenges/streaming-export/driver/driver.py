"""Driver for streaming-export, run in the worker next to the submission.

Two ways in. The hidden tests load the rows and read the server's statement log from outside the
worker (on the grader's PostgreSQL server); the functions they call here only call the submission
and read what it returned: `start_export` calls `export_csv` and keeps the iterator, `read_export`
reads it to the end (two calls, so that the harness sees which statements ran when);
`start_response`/`read_response` do the same for `csv_response`; `get_view` sends a request through
Django's test client; `memory` measures, with `tracemalloc`, the Python memory of an export of the
rows the test loaded. Nothing here counts statements or reads data back for a grade.

The `*_scenario` functions load the rows themselves and count the SQL in this process, inside a
rolled-back transaction: the visible examples use them, in the grader and in the candidate's
hand-out (SQLite) alike. The tests hold every expected value, not this file.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime
import gc
import hashlib
import tracemalloc
from typing import Any

import djangokit

djangokit.setup("activity", settings_overrides={"ROOT_URLCONF": "activity.urls"})

import solution  # noqa: E402
from activity.models import Event  # noqa: E402  (Django is usable only after setup)
from django.http import StreamingHttpResponse  # noqa: E402

# What start_* made, for read_* (one test's process; one export at a time).
_pending: dict[str, Any] = {}


def _queryset(order_by: list[str], kinds: list[str] | None) -> Any:
    queryset = Event.objects.order_by(*order_by)
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return queryset


def _failure(exc: BaseException, at: str) -> dict[str, Any]:
    return {
        "raised": type(exc).__name__,
        "value_error": isinstance(exc, ValueError),
        "message": str(exc)[:500],
        "at": at,
    }


def _item(value: Any) -> Any:
    return value if isinstance(value, (str, bytes)) else repr(value)


# ---------------------------------------------------------------- the hidden tests' calls


def start_export(fields: Any, order_by: list[str] | tuple[str, ...] = ("id",), kinds: Any = None) -> dict[str, Any]:
    """Call export_csv(queryset, fields) and keep the iterator for read_export().

    Returns {"raised": None | type name, "value_error", "message", "at": "call", "is_iterator"}.
    """
    _pending.clear()
    queryset = _queryset(list(order_by), kinds)
    try:
        iterator = solution.export_csv(queryset, fields)
    except Exception as exc:
        return _failure(exc, "call")
    _pending["export"] = iterator
    return {"raised": None, "is_iterator": isinstance(iterator, collections.abc.Iterator)}


def read_export() -> dict[str, Any]:
    """Read the iterator start_export() kept to the end.

    Returns {"raised", "value_error", "message", "at": "iteration", "items" (each str/bytes as
    yielded, else its repr), "types"}; on an exception, the items yielded before it.
    """
    iterator = _pending.pop("export")
    obs: dict[str, Any] = {"raised": None, "items": [], "types": []}
    try:
        for item in iterator:
            obs["items"].append(_item(item))
            obs["types"].append(type(item).__name__)
    except Exception as exc:
        obs.update(_failure(exc, "iteration"))
    return obs


def start_response(
    fields: Any, filename: Any, order_by: list[str] | tuple[str, ...] = ("id",), kinds: Any = None
) -> dict[str, Any]:
    """Call csv_response(queryset, fields, filename) and keep the response for read_response().

    Returns {"raised", "value_error", "message", "at": "call", "class_mro" (type names),
    "is_streaming_response"}.
    """
    _pending.clear()
    queryset = _queryset(list(order_by), kinds)
    try:
        response = solution.csv_response(queryset, fields, filename)
    except Exception as exc:
        return _failure(exc, "call")
    _pending["response"] = response
    return {
        "raised": None,
        "class_mro": [cls.__name__ for cls in type(response).__mro__],
        "is_streaming_response": isinstance(response, StreamingHttpResponse),
        "headers": {str(name): str(value) for name, value in response.headers.items()},
    }


def read_response() -> dict[str, Any]:
    """Read the content of the response start_response() kept.

    Returns {"raised", "at": "iteration", "status", "headers", "body", "chunk_types", "streaming"}.
    """
    response = _pending.pop("response")
    try:
        chunks = list(response) if getattr(response, "streaming", False) else [response.content]
    except Exception as exc:
        return _failure(exc, "iteration")
    body = b"".join(bytes(chunk) for chunk in chunks)
    description = djangokit.describe_response(response, body)
    return {
        "raised": None,
        "chunk_types": sorted({type(chunk).__name__ for chunk in chunks}),
        "status": description["status"],
        "headers": description["headers"],
        "body": description["body"],
        "streaming": description["streaming"],
    }


def get_view(query: dict[str, str]) -> dict[str, Any]:
    """GET /events.csv with the query parameters `query`, through Django's test client."""
    return djangokit.request("GET", "/events.csv", data=dict(query))


def memory(fields: list[str], mode: str = "export") -> dict[str, Any]:
    """Export every row (ordered by id) under tracemalloc; the test loaded the rows.

    mode "export": iterate export_csv(queryset, fields); mode "response": iterate
    csv_response(queryset, fields, "events.csv"). Items are hashed as they come (str items as
    UTF-8) and dropped. Returns {"raised", "message", "peak_bytes", "items", "bytes", "sha256",
    "first", "last", "traced_to_the_end"}.
    """
    queryset = _queryset(["id"], None)
    digest = hashlib.sha256()
    obs: dict[str, Any] = {"raised": None, "items": 0, "bytes": 0, "first": []}
    last: collections.deque[Any] = collections.deque(maxlen=2)
    gc.collect()
    tracemalloc.start()
    try:
        if mode == "export":
            source = solution.export_csv(queryset, fields)
        else:
            source = solution.csv_response(queryset, fields, "events.csv")
        for item in source:
            data = item.encode("utf-8") if isinstance(item, str) else bytes(item)
            digest.update(data)
            obs["items"] += 1
            obs["bytes"] += len(data)
            if len(obs["first"]) < 3:
                obs["first"].append(_item(item))
            last.append(_item(item))
    except Exception as exc:
        obs.update(raised=type(exc).__name__, message=str(exc)[:500])
    finally:
        obs["traced_to_the_end"] = tracemalloc.is_tracing()
        obs["peak_bytes"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    obs.update(sha256=digest.hexdigest(), last=list(last))
    return obs


# ---------------------------------------------------------------- the visible examples (in-process)


def _event(row: dict[str, Any]) -> Event:
    values = dict(row)
    values["created"] = datetime.datetime.fromisoformat(values["created"])
    return Event(**values)


def _load(rows: list[dict[str, Any]]) -> None:
    Event.objects.bulk_create([_event(row) for row in rows])


def export_scenario(rows, fields, order_by=("id",), kinds=None) -> dict[str, Any]:
    """Load `rows`, call export_csv(queryset, fields) and read the iterator to the end.

    Returns what start_export and read_export return, plus "queries_at_creation", "queries",
    "sql" (the first five) counted in this process, and "result_cache_none".
    """
    with djangokit.scenario():
        _load(list(rows))
        queryset = _queryset(list(order_by), kinds)
        with djangokit.capture_queries() as sql:
            try:
                iterator = solution.export_csv(queryset, fields)
            except Exception as exc:
                return {**_failure(exc, "call"), "queries": len(sql), "sql": list(sql[:5])}
            obs: dict[str, Any] = {
                "raised": None,
                "is_iterator": isinstance(iterator, collections.abc.Iterator),
                "queries_at_creation": len(sql),
            }
            _pending["export"] = iterator
            obs.update(read_export())
        obs.update(queries=len(sql), sql=list(sql[:5]), result_cache_none=queryset._result_cache is None)
        return obs


def response_scenario(rows, fields, filename, order_by=("id",), kinds=None) -> dict[str, Any]:
    """Load `rows`, call csv_response(queryset, fields, filename), then read its content.

    Returns what start_response and read_response return, plus "queries_at_creation" and
    "queries" counted in this process.
    """
    with djangokit.scenario():
        _load(list(rows))
        with djangokit.capture_queries() as sql:
            obs = start_response(fields, filename, order_by, kinds)
            obs["queries_at_creation"] = len(sql)
            if obs["raised"] is None:
                obs.update(read_response())
        obs.update(queries=len(sql), sql=list(sql[:5]))
        return obs
