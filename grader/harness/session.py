"""The harness's side of one worker: start it, talk to it, and replace it when it dies."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SandboxError
from grader.sandbox.base import (
    SOCKET_NAME,
    DeathKind,
    SandboxBackend,
    WorkerHandle,
    WorkerSpec,
    describe_returncode,
)
from grader.worker import rpc

log = logging.getLogger(__name__)

CONNECT_SECONDS = 60.0
# How long the zygote may take to reap a test's child (it kills it past 2 s; the sweep after it).
REAP_SECONDS = 15.0


class WorkerFailure(BaseException):
    """The worker died, hung or ran out of memory during a test.

    A BaseException on purpose: neither hypothesis (which would shrink by
    re-running a dead worker) nor a test's `except Exception` may swallow it.
    """

    kind = DeathKind.CRASHED

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class WorkerTimeout(WorkerFailure):
    kind = DeathKind.TIMEOUT


class WorkerCrashed(WorkerFailure):
    kind = DeathKind.CRASHED


class WorkerMemory(WorkerFailure):
    kind = DeathKind.MEMORY


_FAILURE_BY_KIND: dict[DeathKind, type[WorkerFailure]] = {
    DeathKind.TIMEOUT: WorkerTimeout,
    DeathKind.CRASHED: WorkerCrashed,
    DeathKind.MEMORY: WorkerMemory,
}


@dataclass(slots=True)
class MemoryWindow:
    """Peak memory while a block ran, counted by the kernel outside the test's process (the Docker
    worker's cgroup; the child's own counters with the local worker). Bytes; None where unknown."""

    start_bytes: int | None
    peak_bytes: int | None = None

    @property
    def growth_bytes(self) -> int | None:
        if self.start_bytes is None or self.peak_bytes is None:
            return None
        return max(0, self.peak_bytes - self.start_bytes)

    @property
    def growth_mb(self) -> float | None:
        growth = self.growth_bytes
        return None if growth is None else growth / (1024 * 1024)


# A Unix socket's path holds at most 107 bytes; ours is the folder plus "/grader-chan-XXXXXXXX/worker.sock".
_SOCKET_PATH_MAX = 107
_CHANNEL_SUFFIX = len("/grader-chan-xxxxxxxx/") + len(SOCKET_NAME)


def socket_parent(candidates: tuple[str, ...] = ("/tmp", "/dev/shm")) -> str:
    """Where the worker's channel can live: the temporary folder, unless its path is too long for a
    socket (a deep TMPDIR), then a short shared one. SandboxError when none will do."""
    preferred = tempfile.gettempdir()
    for folder in (preferred, *candidates):
        if len(folder.encode()) + _CHANNEL_SUFFIX <= _SOCKET_PATH_MAX and os.access(folder, os.W_OK | os.X_OK):
            return folder
    raise SandboxError(f"TMPDIR {preferred!r} is too long for a socket path and /tmp is not writable")


class WorkerSession:
    """One sandbox (a container or a process) running the worker's zygote, and one child of it per test.

    The zygote never runs the submission; each test gets a fresh child forked from it, so nothing a
    test installs reaches the next. A child that dies, hangs or runs out of memory is a verdict for
    its test and the zygote forks the next; only a zygote that is lost (its container killed or
    dead) means starting a new sandbox.
    """

    def __init__(
        self,
        backend: SandboxBackend,
        spec: WorkerSpec,
        database_login: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.backend = backend
        self.spec = spec
        # The current test's database login (a Django challenge on PostgreSQL), handed to its child.
        self.database_login = database_login
        self._handle: WorkerHandle | None = None
        self._listener: socket.socket | None = None
        self._control: socket.socket | None = None
        self._child: int | None = None
        self._endpoint: rpc.Endpoint | None = None
        self._socket_dir: Path | None = None
        self._failure: WorkerFailure | None = None
        self._import_failures: dict[str, BaseException] = {}
        # Modules loaded during the current test: the child goes with the test.
        self._modules: dict[str, Any] = {}
        self._prestart: threading.Thread | None = None
        self._prestart_error: BaseException | None = None
        self.starts = 0
        self.forks = 0
        # Messages each way between this harness and the submission's processes (see rpc.Endpoint).
        self.round_trips = 0
        # What the worker reported changed in the grader's code during the current test.
        self._tampered: str | None = None

    # ------------------------------------------------------------ lifecycle

    def prestart(self) -> None:
        """Start the sandbox and its zygote in the background; the first call waits for it.

        A container takes about a second to start, and pytest spends about as long
        importing and collecting the suite: overlapping the two saves that second
        on every grading.
        """
        if self._control is None and self._prestart is None:
            self._prestart = threading.Thread(target=self._run_prestart, name="worker-prestart", daemon=True)
            self._prestart.start()

    def _run_prestart(self) -> None:
        try:
            self._start_zygote()
        except BaseException as exc:  # handed to the first caller by _join_prestart
            self._prestart_error = exc

    def _join_prestart(self) -> None:
        thread = self._prestart
        if thread is None or thread is threading.current_thread():
            return
        thread.join()
        self._prestart = None
        error, self._prestart_error = self._prestart_error, None
        if error is not None:
            raise error

    def _start_zygote(self) -> None:
        try:
            self._socket_dir = Path(tempfile.mkdtemp(prefix="grader-chan-", dir=socket_parent()))
            self._socket_dir.chmod(0o755)
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            path = self._socket_dir / SOCKET_NAME
            listener.bind(str(path))
            path.chmod(0o777)  # the worker runs as another, unprivileged user
            listener.listen(8)
        except OSError as exc:
            self.close()
            raise SandboxError(f"cannot open the worker's channel: {exc}") from None
        self._listener = listener
        self.starts += 1
        try:
            self._handle = self.backend.start(self.spec, self._socket_dir)
            self._control = self._accept(listener, self._handle)
        except BaseException:
            self.close()
            raise

    def _fork(self) -> rpc.Endpoint:
        """A fresh child of the zygote for this test, on a channel of its own."""
        assert self._listener is not None and self._handle is not None
        token = secrets.token_hex(16)
        request: dict[str, Any] = {"op": "fork", "token": token}
        if self.database_login is not None:
            request["database"] = self.database_login()
        reply = self._ask(request, CONNECT_SECONDS)
        if reply is None or type(reply.get("pid")) is not int:
            # The zygote is gone (killed by a test's leftovers, or its sandbox died): this test
            # fails, and the next one starts a new sandbox.
            raise self._lose_zygote("the worker could not start a process for this test")
        self._child = reply["pid"]
        self.forks += 1
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            connection = self._accept(self._listener, self._handle, deadline)
            try:
                connection.settimeout(max(0.1, deadline - time.monotonic()))
                presented = rpc.recv_frame(connection)
            except rpc.ProtocolError:
                presented = b""
            if secrets.compare_digest(presented, token.encode("ascii")):
                break
            connection.close()  # not this test's child: nothing else may speak for it
        connection.settimeout(None)
        self._endpoint = rpc.Endpoint(
            connection, serve_ops=rpc.HARNESS_SERVES, public_attrs_only=True, defer_calls=True
        )
        self._endpoint.invoke = self.call
        return self._endpoint

    @staticmethod
    def _accept(listener: socket.socket, handle: WorkerHandle, deadline: float | None = None) -> socket.socket:
        """Wait for the worker to connect, noticing at once if it died instead."""
        listener.settimeout(0.25)
        deadline = deadline if deadline is not None else time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                connection, _ = listener.accept()
                connection.settimeout(None)
                return connection
            except TimeoutError:
                death = handle.death(0)
                if death is not None:
                    raise WorkerCrashed(f"worker failed to start: {death.detail}") from None
                if time.monotonic() > deadline:
                    raise WorkerCrashed(f"worker did not connect within {CONNECT_SECONDS:.0f} s") from None

    def _ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """One request to the zygote; None when it cannot answer (its sandbox is gone)."""
        control = self._control
        if control is None:
            return None
        try:
            control.settimeout(timeout)
            rpc.send_frame(control, json.dumps(message).encode("utf-8"))
            reply = json.loads(rpc.recv_frame(control))
        except (rpc.ProtocolError, OSError, ValueError):
            return None
        return reply if type(reply) is dict else None

    def _reap(self, *, kill: bool) -> dict[str, Any] | None:
        """End this test's child (killed first if `kill`); its exit, or None if the zygote is lost."""
        pid, self._child = self._child, None
        self._close_child_channel()
        if pid is None:
            return {"returncode": 0, "oom": False}
        return self._ask({"op": "reap", "pid": pid, "kill": kill}, REAP_SECONDS)

    def _take_tampering(self) -> str | None:
        endpoint = self._endpoint
        if endpoint is not None and endpoint.tampered and not self._tampered:
            self._tampered = endpoint.tampered
        found, self._tampered = self._tampered, None
        return found

    def _close_child_channel(self) -> None:
        if self._endpoint is not None:
            self.round_trips += self._endpoint.round_trips
            if self._endpoint.tampered and not self._tampered:
                self._tampered = self._endpoint.tampered
            try:
                self._endpoint.sock.close()
            except OSError:
                pass
            self._endpoint = None

    def endpoint(self) -> rpc.Endpoint:
        if self._failure is not None:
            raise self._failure
        self._join_prestart()
        if self._control is None:
            self._start_zygote()
        if self._endpoint is None:
            return self._fork()
        return self._endpoint

    def close(self) -> None:
        self._modules.clear()
        try:
            self._join_prestart()
        except BaseException:
            pass  # a worker that failed to start has nothing left to close
        self._close_child_channel()
        self._child = None
        for sock in (self._control, self._listener):
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass
        self._control = self._listener = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    # ------------------------------------------------------------ calls

    def call(self, op: str, timeout: float | None = None, **fields: Any) -> Any:
        """One top-level request, with the per-call limit; a dead child becomes a WorkerFailure."""
        endpoint = self.endpoint()
        limit = self.spec.limits.call_seconds if timeout is None else timeout
        try:
            return endpoint.request(op, timeout=limit, **fields)
        except rpc.ChannelTimeout:
            self._fail(self._failure_after_timeout(limit))
        except rpc.ProtocolError as exc:
            self._fail(self._failure_after_death(exc))
        except MemoryError:
            memory = WorkerMemory(f"memory limit ({self.spec.limits.memory_mb} MB) exceeded")
            if self._reap(kill=True) is None:
                self._lose_zygote(memory.detail)  # so the next test starts a new sandbox
            self._fail(memory)
        raise AssertionError("unreachable")

    def _failure_after_death(self, exc: rpc.ProtocolError) -> WorkerFailure:
        ended = self._reap(kill=False)
        if ended is None:
            return self._lose_zygote(f"protocol violation: {exc}")
        code = ended.get("returncode")
        if ended.get("oom"):
            return WorkerMemory(f"memory limit ({self.spec.limits.memory_mb} MB) exceeded")
        if type(code) is not int:
            return WorkerCrashed(f"protocol violation: {exc}")
        death = describe_returncode(code, self.spec.limits)
        return _FAILURE_BY_KIND[death.kind](death.detail)

    def _failure_after_timeout(self, limit: float) -> WorkerFailure:
        """A call ran out of time; a child the kernel was killing for memory is a memory verdict."""
        ended = self._reap(kill=True)
        if ended is None:
            return self._lose_zygote(f"time limit exceeded ({limit:g} s per call)", timeout=True)
        if ended.get("oom"):
            return WorkerMemory(f"memory limit ({self.spec.limits.memory_mb} MB) exceeded")
        return WorkerTimeout(f"time limit exceeded ({limit:g} s per call)")

    def _lose_zygote(self, detail: str, *, timeout: bool = False) -> WorkerFailure:
        """The zygote does not answer: kill its sandbox; the next test starts a new one."""
        handle = self._handle
        death = handle.death(0.5) if handle is not None else None
        if death is None and handle is not None:
            handle.kill()
            death = handle.death(5.0)
        self.close()
        if death is not None and death.kind is DeathKind.MEMORY:
            return WorkerMemory(death.detail)
        if timeout or death is None:
            return WorkerTimeout(detail) if timeout else WorkerCrashed(detail)
        return _FAILURE_BY_KIND[death.kind](death.detail)

    def _fail(self, failure: WorkerFailure) -> None:
        self._failure = failure
        raise failure

    # ------------------------------------------------------------ per test

    def load(self, module: str) -> Any:
        """The module as a remote object. An import that failed once fails the same way again."""
        if module in self._import_failures:
            raise self._import_failures[module]
        if module in self._modules:
            return self._modules[module]
        try:
            self._modules[module] = loaded = self.call("import", target=0, name=module)
            return loaded
        except WorkerFailure as failure:
            self._import_failures[module] = type(failure)(f"while importing {module}: {failure.detail}")
            raise
        except Exception as exc:
            self._import_failures[module] = exc
            raise

    @contextlib.contextmanager
    def memory_window(self) -> Iterator[MemoryWindow]:
        """Measure the peak memory of this test's worker while the block runs (its child is
        started first, so the start is not in the figure)."""
        self.endpoint()
        handle, child = self._handle, self._child
        if handle is None or child is None:
            raise WorkerCrashed("the worker is not running")
        window = MemoryWindow(handle.reset_peak_memory(child))
        yield window
        if self._handle is handle and self._child == child:
            window.peak_bytes = handle.peak_memory(child)

    def finish_test(self) -> dict[str, Any]:
        """Collect the test's output, then end its child; the next test gets a fresh one.

        "tampered": what the worker reported changed in the grader's code during the test, if anything;
        "lost": the WorkerFailure, when the test's process or its sandbox died before the test ended
        (after its last answer: a test that kills its zygote takes its sandbox down with it, and
        whether its answer beat that was a race)."""
        output: dict[str, Any] = {"text": "", "dropped_bytes": 0}
        self._modules.clear()
        self._import_failures.clear()
        try:
            if self._failure is not None:
                self._failure = None
                return output
            if self._endpoint is None:
                return output
            try:
                result = self.call("finish", target=0)
                if type(result) is dict and type(result.get("text")) is str:
                    output.update(text=result["text"], dropped_bytes=result.get("dropped_bytes", 0))
            except WorkerFailure as failure:
                self._failure = None
                output["lost"] = failure
                return output
            if self._reap(kill=False) is None:
                output["lost"] = self._lose_zygote("the worker's sandbox died before the test ended")
            return output
        finally:
            # Last: the child's channel is closed by now, and what it reported is this test's alone.
            output["tampered"] = self._take_tampering()
