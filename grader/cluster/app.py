"""The Celery application both roles use, configured for gradings that must not be lost.

- Late acknowledgement: an order leaves the queue only when a host has finished with it. A host
  process that dies mid-grading gives it back at once (`task_reject_on_worker_lost`); a host that
  vanishes gives it back when the broker's visibility timeout runs out.
- One order reserved per process (`worker_prefetch_multiplier=1`): a host does not sit on orders
  another host could grade now.
- JSON only, both ways: a message can carry data, never a pickle to run.
- No result backend: replies go to the ledger (grader.cluster.ledger), keyed by the work's digest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from grader.errors import BrokerError, InputError, one_line

GRADE_TASK = "grader.grade"
# Redis takes back an unacknowledged order this long after it was delivered: longer than any
# grading (suite limit plus the harness's grace), or a live host's order would be handed out again
# (harmless, the lease stops a second grading, but wasteful).
DEFAULT_VISIBILITY_SECONDS = 1800.0


CLUSTER_EXTRA_MISSING = "grading on many machines needs the cluster extra: pip install 'grader[cluster]'"


def check_broker_url(url: str) -> str:
    """A Redis URL (redis:// or rediss:// for TLS, optionally with a password), with the cluster
    extra installed to reach it; InputError if not."""
    try:
        import celery  # noqa: F401
        import redis  # noqa: F401
    except ImportError:
        raise InputError(CLUSTER_EXTRA_MISSING) from None
    if not url.startswith(("redis://", "rediss://")):
        raise InputError(f"--broker: {redact(url)!r} is not a redis:// or rediss:// URL")
    return url


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    from kombu.utils.url import maybe_sanitize_url

    return str(maybe_sanitize_url(url))


def make_app(broker_url: str, visibility_seconds: float = DEFAULT_VISIBILITY_SECONDS) -> Any:
    """The Celery app for `broker_url` (not connected until used)."""
    from celery import Celery

    app = Celery("grader", broker=check_broker_url(broker_url), set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        event_serializer="json",
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # A task that raised (the broker failed under it) is not acknowledged either: it comes back
        # after the visibility timeout instead of being lost.
        task_acks_on_failure_or_timeout=False,
        worker_prefetch_multiplier=1,
        # Task events, so that `celery flower` on the same broker shows the gradings.
        worker_send_task_events=True,
        task_send_sent_event=True,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "visibility_timeout": visibility_seconds,
            # Look for orders of vanished hosts often enough that the timeout, not the sweep, decides.
            "unacked_restore_interval": max(1, min(10, int(visibility_seconds / 4))),
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


def redis_client(broker_url: str) -> Any:
    """A redis-py client for the ledger, on the broker's server (same URL, same TLS and password)."""
    import redis

    return redis.Redis.from_url(check_broker_url(broker_url), socket_timeout=30, socket_connect_timeout=10)


@contextlib.contextmanager
def broker_errors(broker_url: str) -> Iterator[None]:
    """Turn what Redis and kombu raise when the broker is unreachable or refuses us into one
    BrokerError line (exit 3), naming the broker without its password."""
    import redis
    from kombu.exceptions import OperationalError

    try:
        yield
    except (redis.exceptions.RedisError, OperationalError, OSError) as exc:
        raise BrokerError(f"broker {redact(broker_url)}: {one_line(exc)}") from None


def check_broker(broker_url: str) -> Any:
    """A ledger client for a broker that has answered a ping; BrokerError if it does not."""
    client = redis_client(broker_url)
    with broker_errors(broker_url):
        client.ping()
    return client
