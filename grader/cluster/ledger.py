"""What the grading hosts and the coordinator share in Redis besides the broker's queues: each
grading's reply, the lease of the host grading it, how many times it started, and counts.

Celery moves the orders (late acknowledgement, redelivery when a host dies); the ledger is what
makes a delivered-twice order graded once: a reply is stored under the order's id (the digest of
its work), a host grades only under a lease it keeps renewing, and a host that finds the reply
already there sends nothing new. Kept out of Celery's result backend on purpose: a redelivered
order would reset its state there, and the coordinator must find a finished grading by its id even
after it was killed and started again.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

PREFIX = "grader:v1:"
REPLY_TTL_SECONDS = 7 * 24 * 3600
THROUGHPUT_WINDOW_SECONDS = 300
_MGET_CHUNK = 500

# Renew or release a lease only while it is still ours: a host that stalled past its lease must not
# end the lease of the host that took over.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


def holder_name() -> str:
    """Who holds a lease: this host and process (a lease of a dead process on this host is stale)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def holder_is_dead(holder: str) -> bool:
    """True when `holder` is a process of this host that no longer runs (killed mid-grading)."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True, slots=True)
class LedgerCounts:
    done: int
    failed: int
    leased: int
    per_minute: float


class Ledger:
    def __init__(self, client: Any) -> None:
        self.client = client
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    # ------------------------------------------------------------ replies

    def reply(self, task_id: str) -> bytes | None:
        value = self.client.get(PREFIX + "reply:" + task_id)
        return value if isinstance(value, bytes) else None

    def replies(self, task_ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(task_ids), _MGET_CHUNK):
            chunk = task_ids[start : start + _MGET_CHUNK]
            for task_id, value in zip(chunk, self.client.mget([PREFIX + "reply:" + t for t in chunk]), strict=True):
                if isinstance(value, bytes):
                    found[task_id] = value
        return found

    def put_reply(self, task_id: str, text: str, *, failed: bool, notify: str = "") -> None:
        """Store the reply, count it, and wake the coordinator waiting on `notify` (if any)."""
        pipe = self.client.pipeline()
        pipe.set(PREFIX + "reply:" + task_id, text.encode(), ex=REPLY_TTL_SECONDS)
        if notify:
            pipe.rpush(notify, task_id)
            pipe.expire(notify, REPLY_TTL_SECONDS)
        pipe.incr(PREFIX + ("failed" if failed else "done"))
        now = time.time()
        pipe.zadd(PREFIX + "finished", {task_id: now})
        pipe.zremrangebyscore(PREFIX + "finished", 0, now - THROUGHPUT_WINDOW_SECONDS)
        pipe.execute()

    def notify(self, notify: str, task_id: str) -> None:
        if notify:
            pipe = self.client.pipeline()
            pipe.rpush(notify, task_id)
            pipe.expire(notify, REPLY_TTL_SECONDS)
            pipe.execute()

    def wait_notified(self, notify: str, timeout: float) -> list[str]:
        """Ids pushed to `notify`: blocks until one arrives or `timeout`, then takes every other."""
        first = self.client.blpop([notify], timeout=timeout)
        if first is None:
            return []
        pipe = self.client.pipeline()
        pipe.lrange(notify, 0, -1)
        pipe.delete(notify)
        rest, _ = pipe.execute()
        return [item.decode(errors="replace") for item in [first[1], *rest]]

    def forget(self, task_ids: Iterable[str]) -> None:
        """Drop the replies and attempt counts of these orders: they are graded again when sent."""
        keys = [PREFIX + kind + task_id for task_id in task_ids for kind in ("reply:", "attempts:")]
        for start in range(0, len(keys), _MGET_CHUNK):
            self.client.delete(*keys[start : start + _MGET_CHUNK])

    # ------------------------------------------------------------ leases and attempts

    def take_lease(self, task_id: str, holder: str, seconds: float) -> bool:
        key = PREFIX + "lease:" + task_id
        if self.client.set(key, holder, nx=True, px=int(seconds * 1000)):
            return True
        current = self.client.get(key)
        if isinstance(current, bytes) and holder_is_dead(current.decode(errors="replace")):
            # Compare-and-delete, then take it like anyone else: two hosts cannot both win the SET NX.
            self._release(keys=[key], args=[current])
            return bool(self.client.set(key, holder, nx=True, px=int(seconds * 1000)))
        return False

    def renew_lease(self, task_id: str, holder: str, seconds: float) -> bool:
        return bool(self._renew(keys=[PREFIX + "lease:" + task_id], args=[holder, int(seconds * 1000)]))

    def release_lease(self, task_id: str, holder: str) -> None:
        self._release(keys=[PREFIX + "lease:" + task_id], args=[holder])

    def start_attempt(self, task_id: str) -> int:
        """Count one more start of this grading; the count survives the host that started it."""
        key = PREFIX + "attempts:" + task_id
        pipe = self.client.pipeline()
        pipe.incr(key)
        pipe.expire(key, REPLY_TTL_SECONDS)
        count, _ = pipe.execute()
        return int(count)

    # ------------------------------------------------------------ counts

    def counts(self) -> LedgerCounts:
        now = time.time()
        pipe = self.client.pipeline()
        pipe.get(PREFIX + "done")
        pipe.get(PREFIX + "failed")
        pipe.zcount(PREFIX + "finished", now - 60, now)
        done, failed, last_minute = pipe.execute()
        leased = sum(1 for _ in self.client.scan_iter(match=PREFIX + "lease:*", count=1000))
        return LedgerCounts(int(done or 0), int(failed or 0), leased, float(last_minute))
