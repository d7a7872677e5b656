"""`grader cluster status`: the grading hosts online and what the broker holds."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from grader.cluster.app import broker_errors, check_broker, make_app, redact
from grader.cluster.ledger import Ledger

QUEUE_PATTERN = "grader.*"


@dataclass(frozen=True, slots=True)
class HostStatus:
    name: str
    concurrency: int
    running: int
    queues: tuple[str, ...]

    @property
    def serves(self) -> str:
        """Bank and image digests, read from the queue names (`grader.<bank>.<image>`)."""
        parts = [queue.split(".", 2) for queue in self.queues if queue.startswith("grader.")]
        return ", ".join(f"bank {p[1][:12]} image {p[2]}" for p in parts if len(p) == 3) or "-"


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    broker: str
    hosts: tuple[HostStatus, ...]
    queued: dict[str, int]
    running: int
    done: int
    failed: int
    per_minute: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "broker": self.broker,
            "hosts": [
                {"name": h.name, "concurrency": h.concurrency, "running": h.running, "queues": list(h.queues)}
                for h in self.hosts
            ],
            "queued": self.queued,
            "running": self.running,
            "done": self.done,
            "failed": self.failed,
            "per_minute": self.per_minute,
        }


def cluster_status(broker_url: str, timeout: float = 2.0) -> ClusterStatus:
    with broker_errors(broker_url):
        return _cluster_status(broker_url, timeout)


def _cluster_status(broker_url: str, timeout: float) -> ClusterStatus:
    client = check_broker(broker_url)
    queued: dict[str, int] = {}
    for raw in client.scan_iter(match=QUEUE_PATTERN, count=1000, _type="list"):
        name = raw.decode(errors="replace")
        base = name.split("\x06\x16", 1)[0]  # kombu's priority sub-queues count as their queue
        queued[base] = queued.get(base, 0) + int(client.llen(raw))
    counts = Ledger(client).counts()
    inspect = make_app(broker_url).control.inspect(timeout=timeout)
    stats = inspect.stats() or {}
    active = inspect.active() or {}
    queues = inspect.active_queues() or {}
    hosts = tuple(
        HostStatus(
            name=name,
            concurrency=int(((stats.get(name) or {}).get("pool") or {}).get("max-concurrency", 0)),
            running=len(active.get(name) or []),
            queues=tuple(sorted(str(q.get("name")) for q in queues.get(name) or [])),
        )
        for name in sorted(set(stats) | set(active) | set(queues))
    )
    return ClusterStatus(
        broker=redact(broker_url),
        hosts=hosts,
        queued=dict(sorted(queued.items())),
        running=sum(h.running for h in hosts),
        done=counts.done,
        failed=counts.failed,
        per_minute=counts.per_minute,
    )


def render_status(status: ClusterStatus) -> str:
    lines = [f"broker {status.broker}", f"{len(status.hosts)} grading host(s) online"]
    for host in status.hosts:
        lines.append(f"  {host.name}  {host.concurrency} process(es), {host.running} running  {host.serves}")
    queued = sum(status.queued.values())
    lines.append(
        f"queued {queued}  running {status.running}  done {status.done}  failed {status.failed}"
        f"  throughput {status.per_minute:g}/min (last minute)"
    )
    for queue, count in status.queued.items():
        lines.append(f"  {queue}: {count} queued")
    return "\n".join(lines)


def render_status_json(status: ClusterStatus) -> str:
    return json.dumps(status.to_dict(), indent=2)
