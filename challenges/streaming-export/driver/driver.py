"""Driver for streaming-export, run in the worker next to the submission.

Every scenario loads the plain rows the test passes (`created` as an ISO 8601
string with an offset), builds the queryset the test describes, calls the
submission and reports plain observations: the items it yielded, the SQL that
ran (and when), whether the queryset's own result cache was filled, the
response's status, headers and body. The tests hold every expected value.

The 50,000-row scenarios read from a second in-memory database, "bulk",
filled once per worker (and again only when a test asks for other rows), so
that the rows are not loaded once per test. Python memory is measured with
`tracemalloc` around the submission's work only.
"""

from __future__ import annotations

import collections
import collections.abc
import datetime
import gc
import hashlib
import json
import tracemalloc
from typing import Any

import djangokit

djangokit.setup(
    "activity",
    settings_overrides={
        "ROOT_URLCONF": "activity.urls",
        "DATABASES": {
            "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
            "bulk": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        },
    },
)

import solution  # noqa: E402
from activity.models import Event  # noqa: E402  (Django is usable only after setup)
from django.http import StreamingHttpResponse  # noqa: E402

_bulk_loaded: dict[str, Any] = {"key": None}


def _event(row: dict[str, Any]) -> Event:
    values = dict(row)
    values["created"] = datetime.datetime.fromisoformat(values["created"])
    return Event(**values)


def _load(rows: list[dict[str, Any]], using: str = "default") -> None:
    Event.objects.using(using).bulk_create([_event(row) for row in rows])


def _queryset(order_by: list[str], kinds: list[str] | None, using: str = "default") -> Any:
    queryset = Event.objects.using(using).order_by(*order_by)
    if kinds is not None:
        queryset = queryset.filter(kind__in=kinds)
    return queryset


def _failure(exc: BaseException, at: str, sql: list[str]) -> dict[str, Any]:
    return {"raised": type(exc).__name__, "message": str(exc), "at": at, "queries": len(sql), "sql": list(sql[:5])}


def _item(value: Any) -> Any:
    return value if isinstance(value, (str, bytes)) else repr(value)


def export_scenario(rows, fields, order_by=("id",), kinds=None) -> dict[str, Any]:
    """Call export_csv(queryset, fields) and read the iterator to the end.

    Returns {"raised": None | type name, "message", "at": "call" | "iteration",
    "is_iterator", "queries_at_creation", "queries_after_first", "items" (each
    str/bytes as yielded, else its repr), "types", "queries", "sql",
    "result_cache_none"}.
    """
    with djangokit.scenario():
        _load(list(rows))
        queryset = _queryset(list(order_by), kinds)
        with djangokit.capture_queries() as sql:
            try:
                iterator = solution.export_csv(queryset, fields)
            except Exception as exc:
                return _failure(exc, "call", sql)
            obs: dict[str, Any] = {
                "raised": None,
                "is_iterator": isinstance(iterator, collections.abc.Iterator),
                "queries_at_creation": len(sql),
                "queries_after_first": None,
                "items": [],
                "types": [],
            }
            try:
                for item in iterator:
                    obs["items"].append(_item(item))
                    obs["types"].append(type(item).__name__)
                    if obs["queries_after_first"] is None:
                        obs["queries_after_first"] = len(sql)
            except Exception as exc:
                obs.update(_failure(exc, "iteration", sql))
        obs["queries"] = len(sql)
        obs["sql"] = list(sql[:5])
        obs["result_cache_none"] = queryset._result_cache is None
        return obs


def response_scenario(rows, fields, filename, order_by=("id",), kinds=None) -> dict[str, Any]:
    """Call csv_response(queryset, fields, filename), then read its content.

    Returns {"raised", "message", "at", "class_mro" (type names), "is_streaming_response",
    "queries_at_creation", "status", "headers", "body", "chunk_types", "streaming",
    "queries", "result_cache_none"}.
    """
    with djangokit.scenario():
        _load(list(rows))
        queryset = _queryset(list(order_by), kinds)
        with djangokit.capture_queries() as sql:
            try:
                response = solution.csv_response(queryset, fields, filename)
            except Exception as exc:
                return _failure(exc, "call", sql)
            obs: dict[str, Any] = {
                "raised": None,
                "class_mro": [cls.__name__ for cls in type(response).__mro__],
                "is_streaming_response": isinstance(response, StreamingHttpResponse),
                "queries_at_creation": len(sql),
            }
            try:
                chunks = list(response) if getattr(response, "streaming", False) else [response.content]
            except Exception as exc:
                return _failure(exc, "iteration", sql)
            obs["chunk_types"] = sorted({type(chunk).__name__ for chunk in chunks})
            body = b"".join(bytes(chunk) for chunk in chunks)
            description = djangokit.describe_response(response, body)
        obs.update(
            status=description["status"],
            headers=description["headers"],
            body=description["body"],
            streaming=description["streaming"],
            queries=len(sql),
            result_cache_none=queryset._result_cache is None,
        )
        return obs


def view_scenario(rows, query) -> dict[str, Any]:
    """GET /events.csv with the query parameters `query`, through Django's test client."""
    with djangokit.scenario():
        _load(list(rows))
        return djangokit.request("GET", "/events.csv", data=dict(query))


def _fill_bulk(templates: list[dict[str, Any]], count: int) -> None:
    """Rows 1..count of the bulk database: row i (from 0) is templates[i % len] with id i + 1."""
    key = json.dumps([templates, count], sort_keys=True)
    if _bulk_loaded["key"] == key:
        return
    if _bulk_loaded["key"] is None:
        from django.core.management import call_command

        call_command("migrate", database="bulk", run_syncdb=True, verbosity=0, interactive=False)
    djangokit.reset_tables(Event, using="bulk")
    batch = []
    for i in range(count):
        batch.append(_event({**templates[i % len(templates)], "id": i + 1}))
        if len(batch) == 5000:
            Event.objects.using("bulk").bulk_create(batch)
            batch = []
    if batch:
        Event.objects.using("bulk").bulk_create(batch)
    _bulk_loaded["key"] = key


def memory_scenario(templates, count, fields, mode="export") -> dict[str, Any]:
    """Export `count` rows of the bulk database (ordered by id) under tracemalloc.

    mode "export": iterate export_csv(queryset, fields); mode "response": iterate
    csv_response(queryset, fields, "events.csv"). Items are hashed as they come
    (str items as UTF-8) and dropped. Returns {"raised", "message", "peak_bytes",
    "items", "bytes", "sha256", "first", "last", "queries", "result_cache_none",
    "traced_to_the_end"}.
    """
    _fill_bulk(list(templates), count)
    queryset = _queryset(["id"], None, using="bulk")
    digest = hashlib.sha256()
    obs: dict[str, Any] = {"raised": None, "items": 0, "bytes": 0, "first": [], "last": []}
    last: collections.deque[Any] = collections.deque(maxlen=2)
    gc.collect()
    with djangokit.capture_queries(using="bulk") as sql:
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
            obs.update(raised=type(exc).__name__, message=str(exc))
        finally:
            obs["traced_to_the_end"] = tracemalloc.is_tracing()
            obs["peak_bytes"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    obs.update(
        sha256=digest.hexdigest(),
        last=list(last),
        queries=len(sql),
        result_cache_none=queryset._result_cache is None,
    )
    return obs
