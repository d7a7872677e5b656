"""Helpers for Django challenge drivers; they run inside the worker, next to the submission.

A driver (`challenges/<slug>/driver/driver.py`) does, typically:

    import djangokit
    djangokit.setup("library")              # the app package that sits next to driver.py
    from library.models import Author, Book  # only after setup()
    import solution

    def books_scenario(authors, books):
        with djangokit.scenario():           # everything written here is rolled back
            djangokit.load(Author, authors)
            djangokit.load(Book, books)
            with djangokit.capture_queries() as sql:
                rows = [(b.id, b.author.name) for b in solution.books_with_authors()]
            return {"rows": rows, "queries": len(sql), "sql": sql}

Only the standard library is imported at module level: the worker imports this
file whatever the challenge, and Django is imported lazily by the functions that
need it. Nothing here holds an expected value; drivers return plain observations
and the hidden tests (in the harness) decide.
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

__all__ = [
    "SchemaBuilt",
    "bind_database",
    "capture_logs",
    "capture_queries",
    "describe_response",
    "is_transaction_control",
    "load",
    "plain",
    "request",
    "reset_tables",
    "run_async",
    "scenario",
    "setup",
]

SECRET_KEY = "djangokit-fixed-secret-key-not-for-production-0123456789"

# Set by the grader for challenges on PostgreSQL: JSON with the server's socket folder ("host") and,
# once a test's child has its login, "name", "user" and "password"; "build_schema" when the grader
# builds a challenge's template (as the owner, with no submission anywhere).
DATABASE_ENV = "GRADER_DATABASE"

# What setup() was called with; a second call must ask for exactly the same thing.
_setup_args: tuple[str, tuple[str, ...], dict[str, Any]] | None = None

# Statements that only delimit transactions. A "1 query" rule is about the data
# queries, and a correct solution may run inside atomic() (savepoints) or not.
_TRANSACTION_CONTROL = ("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE")


# ------------------------------------------------------------------ setup


def setup(
    app_label: str,
    *,
    installed_apps: Sequence[str] = (),
    settings_overrides: Mapping[str, Any] | None = None,
) -> None:
    """Configure Django for this process, once, and create every table.

    `app_label` is the import name of the challenge's app package (a folder
    next to driver.py, e.g. "library"), which is also its app label.
    `installed_apps` are extra apps placed before it (e.g.
    "django.contrib.auth", "rest_framework"); "django.contrib.contenttypes"
    is always installed first. `settings_overrides` replaces or adds settings
    (ROOT_URLCONF, MIDDLEWARE, REST_FRAMEWORK...).

    The database is the grader's PostgreSQL server when GRADER_DATABASE says so (one database and
    one login per test, its tables made beforehand from the same models by the grader), else an
    in-memory SQLite database private to this process whose tables are created here with
    `migrate --run-syncdb` (an app without migrations gets its tables straight from its models).

    Calling it again with the same arguments does nothing (a driver module and
    a test may both call it); other arguments raise RuntimeError, because
    Django's settings cannot be configured twice in one process.
    """
    global _setup_args
    overrides = dict(settings_overrides or {})
    args = (app_label, tuple(installed_apps), overrides)
    if _setup_args is not None:
        if _setup_args != args:
            raise RuntimeError(f"djangokit.setup() already ran with {_setup_args!r}; got {args!r}")
        return

    from django.conf import settings

    if settings.configured:
        raise RuntimeError("Django settings were configured before djangokit.setup()")
    server = _server_settings()
    if server is not None and "DATABASES" in overrides:
        raise RuntimeError("a driver on PostgreSQL takes its database from the grader, not from DATABASES")
    apps = ["django.contrib.contenttypes"]
    apps += [name for name in installed_apps if name not in apps and name != app_label]
    apps.append(app_label)
    values: dict[str, Any] = {
        "DEBUG": False,
        "SECRET_KEY": SECRET_KEY,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "DATABASES": {"default": _database_entry(server)},
        "INSTALLED_APPS": apps,
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        # Leave logging alone: no dictConfig, no handlers of Django's own; capture_logs()
        # attaches its handler where a driver asks.
        "LOGGING_CONFIG": None,
        # The test client's host; DEBUG=False makes ALLOWED_HOSTS strict.
        "ALLOWED_HOSTS": ["testserver", "localhost", "127.0.0.1"],
        "MIDDLEWARE": [],
    }
    values.update(overrides)
    settings.configure(**values)

    import django
    from django.core.management import call_command

    django.setup()
    _setup_args = args
    if server is not None:
        # The backend (and psycopg with it) is imported here, once in the zygote, not in every
        # test's child; no connection is made until a query needs one.
        from django.db import connections

        connections["default"]
    if server is None or server.get("build_schema"):
        call_command("migrate", run_syncdb=True, verbosity=0, interactive=False)
    if server is not None and server.get("build_schema"):
        raise SchemaBuilt(app_label)


class SchemaBuilt(BaseException):
    """Ends the driver's import once the grader's schema build has run migrate: nothing after
    setup() runs there (no submission exists in that process)."""


def _server_settings() -> dict[str, Any] | None:
    raw = os.environ.get(DATABASE_ENV)
    if not raw:
        return None
    value = json.loads(raw)
    if type(value) is not dict or type(value.get("host")) is not str:
        raise RuntimeError(f"{DATABASE_ENV} is not a database description")
    return value


def _database_entry(server: Mapping[str, Any] | None) -> dict[str, Any]:
    if server is None:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    return {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": server["host"],
        # Until a test's child binds its login (see bind_database), nothing can connect.
        "NAME": server.get("name", ""),
        "USER": server.get("user", ""),
        "PASSWORD": server.get("password", ""),
        # One connection for the whole test: a request's end does not close it.
        "CONN_MAX_AGE": None,
        "OPTIONS": {"connect_timeout": 10},
    }


def bind_database(login: Mapping[str, str]) -> None:
    """Point the default connection at one test's database and role (a test's child, before any
    query). Safe before or after setup(): setup() reads the same environment variable."""
    server = _server_settings() or {}
    server.update({key: login[key] for key in ("name", "user", "password")})
    os.environ[DATABASE_ENV] = json.dumps(server)
    if _setup_args is None:
        return
    from django.conf import settings
    from django.db import connections

    settings.DATABASES["default"].update(
        {"NAME": server["name"], "USER": server["user"], "PASSWORD": server["password"]}
    )
    connections["default"].close()


# ------------------------------------------------------------------ data


@contextlib.contextmanager
def scenario(using: str = "default") -> Iterator[None]:
    """A transaction that is always rolled back: the block leaves the data as it found it.

    The worker process serves every test of a grading, so a driver function
    that loads rows must not leave them behind. Caveats of the rollback:
    `transaction.on_commit` callbacks never run inside it, and the block is one
    transaction (the submission's own `atomic()` blocks become savepoints).
    When that matters, use `reset_tables` instead.
    """
    from django.db import transaction

    with transaction.atomic(using=using):
        try:
            yield
        finally:
            # Also on an exception that the block swallowed: nothing may survive.
            transaction.set_rollback(True, using=using)


def reset_tables(*models: Any, using: str = "default") -> None:
    """Delete every row of `models` (and of their many-to-many tables) and restart their ids at 1.

    Runs raw DELETEs in one transaction, so foreign keys between the given
    models (checked at commit by SQLite in Django) do not get in the way, and
    no signal or `delete()` override of the submission runs.
    """
    from django.db import connections, transaction

    connection = connections[using]
    tables: list[str] = []
    for model in models:
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
        tables.append(model._meta.db_table)
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {quote(table)}")
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():
                for table in tables:
                    cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [table])


def load(model: Any, rows: Iterable[Mapping[str, Any]], *, using: str = "default") -> list[Any]:
    """Insert plain rows (dicts of field name -> value, e.g. {"id": 3, "author_id": 1}) in bulk.

    Give explicit ids so the tests' oracle knows them. Many-to-many links are
    rows of the through model: `load(Book.tags.through, [{"book_id": 1, "tag_id": 2}])`.
    Returns the created instances.
    """
    instances = [model(**dict(row)) for row in rows]
    return list(model._base_manager.using(using).bulk_create(instances))


# ------------------------------------------------------------------ observation


def is_transaction_control(sql: str) -> bool:
    """True for BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT [TO SAVEPOINT], SAVEPOINT, RELEASE.

    The one rule for what a query count leaves out: the grader's server-side counts use it too."""
    words = sql.lstrip().split(None, 1)
    return bool(words) and words[0].upper().rstrip(";") in _TRANSACTION_CONTROL


@contextlib.contextmanager
def capture_queries(using: str = "default", *, include_transaction_control: bool = False) -> Iterator[list[str]]:
    """Collect the SQL of every statement run on connection `using` inside the block.

    Yields a list that grows as statements run; each item is the statement
    with its parameters substituted, as Django's debug cursor shows it.
    Transaction control statements (savepoints, BEGIN...) are left out unless
    asked for. Works with DEBUG=False, nests, and has no length cap (it uses
    `connection.execute_wrapper`, not the capped `connection.queries` log).
    Only statements run on this thread are seen (Django connections are
    per thread); see `run_async` and `request(asynchronous=True)` for async code.
    """
    from django.db import connections

    connection = connections[using]
    captured: list[str] = []

    def record(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any) -> Any:
        try:
            return execute(sql, params, many, context)
        finally:
            text = str(sql)
            if not many:
                # Unquotable parameters: the template alone still names the statement.
                with contextlib.suppress(Exception):
                    text = connection.ops.last_executed_query(context["cursor"].cursor, sql, params)
            if include_transaction_control or not is_transaction_control(text):
                captured.append(text)

    with connection.execute_wrapper(record):
        yield captured


# What the kit's instruments found changed while they observed (see capture_logs). The worker's
# integrity check holds this very list and reports what is in it: the test is "tampered".
TAMPERING: list[str] = []
_LOGGER_CLASS = logging.Logger


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[dict[str, Any]]) -> None:
        super().__init__(logging.NOTSET)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)  # bad %-args: keep what the caller wrote
        exc_type = exc_message = None
        has_exc = bool(record.exc_info and record.exc_info[0] is not None)
        if has_exc:
            assert record.exc_info is not None
            exc_type = record.exc_info[0].__name__  # type: ignore[union-attr]
            exc_message = str(record.exc_info[1])
        self.sink.append(
            {
                "logger": record.name,
                "level": record.levelname,
                "levelno": record.levelno,
                "message": message,
                "exc_info": has_exc,
                "exc_type": exc_type,
                "exc_message": exc_message,
            }
        )


@contextlib.contextmanager
def capture_logs(logger_name: str = "") -> Iterator[list[dict[str, Any]]]:
    """Collect the records logged on `logger_name` (and its children) inside the block.

    Yields a list that grows as records arrive; each is a plain dict:
    {"logger", "level" ("WARNING"), "levelno" (30), "message" (getMessage()),
     "exc_info" (bool), "exc_type" (class name or None), "exc_message" (str or None)}.
    Every level is captured: the logger's level is lowered for the block and
    restored after. Records do not reach other handlers (no stderr noise).

    For the block the kit's handler is the logger's only one and the logger has no filter: a
    handler or filter the submission installed could otherwise change a record (attach an
    exception it never logged) before the kit reads it. One installed while the block runs, or a
    logger of another class, is noted in `TAMPERING`.
    """
    logger = logging.getLogger(logger_name)
    records: list[dict[str, Any]] = []
    handler = _ListHandler(records)
    if type(logger) is not _LOGGER_CLASS and not (logger_name == "" and isinstance(logger, logging.RootLogger)):
        TAMPERING.append(f"the class of logger {logger_name!r}")
    saved = (logger.level, logger.propagate, logger.disabled, logger.handlers, logger.filters)
    handlers: list[logging.Handler] = [handler]
    filters: list[Any] = []
    logger.handlers, logger.filters = handlers, filters
    logger.setLevel(1)
    logger.propagate = False
    logger.disabled = False
    try:
        yield records
    finally:
        if logger.handlers is not handlers or handlers != [handler] or logger.filters is not filters or filters:
            TAMPERING.append(f"the handlers or filters of logger {logger_name!r} while the kit read it")
        logger.level, logger.propagate, logger.disabled, logger.handlers, logger.filters = saved


def plain(value: Any) -> Any:
    """`value` with Decimal -> str, date/datetime/time -> ISO string, UUID -> str, recursively.

    Those types would otherwise cross to the harness as Remote handles, which
    never compare equal to plain values. Containers are rebuilt with their exact
    built-in type (list, tuple, dict, set); other values are returned as they are.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(plain(item) for item in value)
    if isinstance(value, (list, set, frozenset)):
        items = [plain(item) for item in value]
        return items if isinstance(value, list) else type(value)(items)
    return value


# ------------------------------------------------------------------ async and HTTP


def run_async(awaitable: Any) -> Any:
    """Run a coroutine to completion from sync driver code, with the ORM on this thread.

    `asgiref.sync.async_to_sync` makes Django's `sync_to_async(thread_sensitive=True)`
    calls (the async ORM, sync views under ASGI) run back on the calling thread,
    so they use this thread's connection: the same in-memory database and the
    same open `scenario()` transaction. (`asyncio.run` would send them to
    another thread, whose ":memory:" database is empty.)
    """
    from asgiref.sync import async_to_sync

    async def runner() -> Any:
        return await awaitable

    return async_to_sync(runner)()


def request(
    method: str,
    path: str,
    *,
    data: Any = None,
    json_body: Any = None,
    content_type: str | None = None,
    headers: Mapping[str, str] | None = None,
    asynchronous: bool = False,
    raise_request_exception: bool = False,
) -> dict[str, Any]:
    """Send one request through Django's test Client (or AsyncClient) and describe the response.

    Needs ROOT_URLCONF (and MIDDLEWARE as wanted) in setup's settings_overrides.
    `data`: query parameters for GET/HEAD, the body otherwise (a dict is sent
    as a form unless `content_type` says otherwise); `json_body` is sent as
    application/json. `headers` are plain names ({"Accept": "text/csv"}).
    With `raise_request_exception=False` an exception escaping the view becomes
    the 500 response Django would send, as in production.

    Returns {"status": int, "reason": str, "headers": {name: value},
    "body": bytes, "text": str, "json": parsed body or None, "streaming": bool}.
    Streaming bodies are read to the end.
    """
    from django.test import AsyncClient, Client

    verb = method.lower()
    kwargs: dict[str, Any] = {"headers": dict(headers or {})}
    if json_body is not None:
        data, content_type = json.dumps(json_body), "application/json"
    if verb in ("get", "head"):
        if data is not None:
            kwargs["data"] = data
    else:
        if data is not None:
            kwargs["data"] = data
        if content_type is not None:
            kwargs["content_type"] = content_type

    if asynchronous:

        async def send() -> tuple[Any, bytes]:
            client = AsyncClient(raise_request_exception=raise_request_exception)
            response = await getattr(client, verb)(path, **kwargs)
            if response.streaming and getattr(response, "is_async", False):
                body = b"".join([bytes(chunk) async for chunk in response.streaming_content])
            else:
                body = b"".join(response) if response.streaming else response.content
            return response, body

        response, body = run_async(send())
    else:
        client = Client(raise_request_exception=raise_request_exception)
        response = getattr(client, verb)(path, **kwargs)
        body = b"".join(response) if response.streaming else response.content
    return describe_response(response, body)


def describe_response(response: Any, body: bytes | None = None) -> dict[str, Any]:
    """The plain description `request` returns, for a response a driver got another way.

    Pass `body` when the content was already consumed (streaming responses).
    """
    if body is None:
        body = b"".join(response) if response.streaming else response.content
    charset = getattr(response, "charset", None) or "utf-8"
    try:
        text = body.decode(charset, errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    parsed: Any = None
    if "json" in response.headers.get("Content-Type", ""):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
    return {
        "status": int(response.status_code),
        "reason": str(response.reason_phrase),
        "headers": {str(name): str(value) for name, value in response.headers.items()},
        "body": bytes(body),
        "text": text,
        "json": parsed,
        "streaming": bool(response.streaming),
    }
