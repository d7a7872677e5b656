"""The `local` backend: the worker is a subprocess of the harness.

It does not isolate untrusted code. It only bounds it: rlimits (memory, file
size, open files, core dumps, CPU), its own process group killed as a whole,
a clean environment and a temporary read-only copy of the submission.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from grader.sandbox.base import (
    SOCKET_NAME,
    WORKER_DIR,
    Death,
    Limits,
    WorkerSpec,
    describe_returncode,
)

# Why not `python -I`: it implies -E, which would also drop PYTHONHASHSEED and make
# set and dict-of-str orderings (and so some grades) vary between runs. -s and -P
# give the rest of -I, and the environment below is built from nothing.
PYTHON_FLAGS = ("-s", "-P", "-B")


def worker_environment() -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONIOENCODING": "utf-8",
        # glibc gives each new thread up to a 64 MiB malloc arena of address space; under the
        # worker's RLIMIT_AS a Django driver that starts short-lived threads (asgiref's
        # async_to_sync) then failed with "can't start new thread" at a dozen live threads.
        "MALLOC_ARENA_MAX": "2",
    }


def _limit_child(limits: Limits) -> None:
    """Runs in the child between fork and exec."""
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    size = limits.file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.nofile, limits.nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    cpu = int(limits.suite_seconds) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


class LocalWorker:
    def __init__(self, process: subprocess.Popen[bytes], limits: Limits) -> None:
        self.process = process
        self.limits = limits

    def death(self, wait_seconds: float) -> Death | None:
        try:
            code = self.process.wait(timeout=wait_seconds)
        except subprocess.TimeoutExpired:
            return None
        return describe_returncode(code, self.limits)

    def kill(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        # Children that escaped into the group die with it; reap the worker itself.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()

    def close(self) -> None:
        self.kill()

    # The child's own counters (VmHWM): the kernel's, but the child could reset them itself;
    # the local sandbox runs code one trusts anyway (the Docker worker's come from its cgroup).
    def reset_peak_memory(self, child: int) -> int | None:
        try:
            Path(f"/proc/{child}/clear_refs").write_text("5")
        except OSError:
            return None
        return _status_bytes(child, "VmRSS")

    def peak_memory(self, child: int) -> int | None:
        return _status_bytes(child, "VmHWM")


def _status_bytes(pid: int, field: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class LocalBackend:
    name = "local"

    def close(self) -> None:
        pass  # nothing held between workers

    def start(self, spec: WorkerSpec, socket_dir: Path) -> LocalWorker:
        command = [
            sys.executable,
            *PYTHON_FLAGS,
            str(WORKER_DIR / "main.py"),
            "--socket",
            str(socket_dir / SOCKET_NAME),
            "--submission",
            str(spec.submission_dir),
            "--output-cap",
            str(spec.limits.output_bytes),
        ]
        if spec.driver_dir is not None:
            command += ["--driver", str(spec.driver_dir)]
        if spec.database_socket_dir is not None:
            command += ["--database-host", str(spec.database_socket_dir)]
        process = subprocess.Popen(
            command,
            cwd=spec.submission_dir,
            env=worker_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: _limit_child(spec.limits),
            close_fds=True,
        )
        return LocalWorker(process, spec.limits)

    def describe(self) -> dict[str, Any]:
        return {
            "backend": self.name,
            "isolated": False,
            "image": None,
            "image_digest": None,
            "enforcement": {"memory": "rlimit", "time": "host", "processes": "process group kill"},
        }
