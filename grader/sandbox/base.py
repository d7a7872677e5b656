"""What every sandbox backend provides: start a worker, learn how it died, kill it."""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

WORKER_DIR = Path(__file__).resolve().parent.parent / "worker"
WORKER_FILES = ("main.py", "rpc.py", "djangokit.py")


class DeathKind(enum.StrEnum):
    CRASHED = "crashed"
    MEMORY = "memory"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Death:
    """Why a worker is gone, in words a candidate and a reviewer can act on."""

    kind: DeathKind
    detail: str


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `grader doctor`: what was tried, whether it held, and what was seen."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource limits for one worker. Times in seconds, sizes in MB unless named."""

    call_seconds: float = 10.0
    suite_seconds: float = 300.0
    memory_mb: int = 512
    pids: int = 64
    file_mb: int = 16
    nofile: int = 256
    cpus: float = 1.0
    tmp_mb: int = 64
    output_bytes: int = 64 * 1024

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """Everything a backend needs to start one worker."""

    submission_dir: Path
    limits: Limits
    run_id: str
    driver_dir: Path | None = None
    labels: dict[str, str] = field(default_factory=dict)
    # The grader's PostgreSQL socket folder, for a Django driver on PostgreSQL.
    database_socket_dir: Path | None = None


class WorkerHandle(Protocol):
    def death(self, wait_seconds: float) -> Death | None:
        """How the worker died, waiting up to `wait_seconds` for it to exit; None if alive."""

    def kill(self) -> None:
        """Kill the worker and everything it started. Idempotent."""

    def close(self) -> None:
        """Kill, then release every resource (process, container). Idempotent."""

    def reset_peak_memory(self, child: int) -> int | None:
        """Restart the kernel's peak-memory count for a test's child (`child`: its pid as the
        zygote sees it); the memory in use now, in bytes, or None where it cannot be read."""

    def peak_memory(self, child: int) -> int | None:
        """The kernel's peak memory count since the last reset, in bytes; None where unknown."""


class Backend(enum.StrEnum):
    """The sandbox backends; `make_backend` is the one place that turns a name into one."""

    DOCKER = "docker"
    LOCAL = "local"


class SandboxBackend(Protocol):
    name: str

    def start(self, spec: WorkerSpec, socket_dir: Path) -> WorkerHandle:
        """Start a worker that will connect to `socket_dir/worker.sock`."""

    def describe(self) -> dict[str, Any]:
        """What reports record about this sandbox (image, digest, limits, enforcement)."""

    def close(self) -> None:
        """Release what the backend holds (an engine client). Idempotent."""


SOCKET_NAME = "worker.sock"


def describe_returncode(code: int, limits: Limits) -> Death:
    """A process's end as Popen reports it (negative: the signal that killed it)."""
    if code < 0:
        number = -code
        if number == signal.SIGXCPU:
            return Death(DeathKind.TIMEOUT, "CPU time limit exceeded")
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return Death(DeathKind.CRASHED, f"worker killed ({name})")
    return Death(DeathKind.CRASHED, f"worker exited with code {code}")
