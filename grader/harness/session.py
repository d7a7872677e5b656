"""The harness's side of one worker: start it, talk to it, and replace it when it dies."""

from __future__ import annotations

import logging
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from grader.sandbox.base import (
    SOCKET_NAME,
    Death,
    DeathKind,
    SandboxBackend,
    WorkerHandle,
    WorkerSpec,
)
from grader.worker import rpc

log = logging.getLogger(__name__)

CONNECT_SECONDS = 60.0


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


class WorkerSession:
    """One live worker at a time; a dead one is replaced at the next test."""

    def __init__(self, backend: SandboxBackend, spec: WorkerSpec) -> None:
        self.backend = backend
        self.spec = spec
        self._handle: WorkerHandle | None = None
        self._endpoint: rpc.Endpoint | None = None
        self._socket_dir: Path | None = None
        self._failure: WorkerFailure | None = None
        self._import_failures: dict[str, BaseException] = {}
        # Modules loaded during the current test: the worker forgets them with its exports.
        self._modules: dict[str, Any] = {}
        self._prestart: threading.Thread | None = None
        self._prestart_error: BaseException | None = None
        self.starts = 0

    # ------------------------------------------------------------ lifecycle

    def prestart(self) -> None:
        """Start the first worker in the background; the first call waits for it.

        A container takes about a second to start, and pytest spends about as long
        importing and collecting the suite: overlapping the two saves that second
        on every grading.
        """
        if self._endpoint is None and self._prestart is None:
            self._prestart = threading.Thread(target=self._run_prestart, name="worker-prestart", daemon=True)
            self._prestart.start()

    def _run_prestart(self) -> None:
        try:
            self._start()
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

    def _start(self) -> rpc.Endpoint:
        self._socket_dir = Path(tempfile.mkdtemp(prefix="grader-chan-"))
        self._socket_dir.chmod(0o755)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        path = self._socket_dir / SOCKET_NAME
        listener.bind(str(path))
        path.chmod(0o777)  # the worker runs as another, unprivileged user
        listener.listen(1)
        self.starts += 1
        try:
            self._handle = self.backend.start(self.spec, self._socket_dir)
            connection = self._accept(listener, self._handle)
        except BaseException:
            self.close()
            raise
        finally:
            listener.close()
        connection.settimeout(None)
        self._endpoint = rpc.Endpoint(
            connection, serve_ops=rpc.HARNESS_SERVES, public_attrs_only=True, defer_calls=True
        )
        self._endpoint.invoke = self.call
        return self._endpoint

    @staticmethod
    def _accept(listener: socket.socket, handle: WorkerHandle) -> socket.socket:
        """Wait for the worker to connect, noticing at once if it died instead."""
        listener.settimeout(0.25)
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            try:
                connection, _ = listener.accept()
                return connection
            except TimeoutError:
                death = handle.death(0)
                if death is not None:
                    raise WorkerCrashed(f"worker failed to start: {death.detail}") from None
                if time.monotonic() > deadline:
                    raise WorkerCrashed(f"worker did not connect within {CONNECT_SECONDS:.0f} s") from None

    def endpoint(self) -> rpc.Endpoint:
        if self._failure is not None:
            raise self._failure
        self._join_prestart()
        if self._endpoint is None:
            return self._start()
        return self._endpoint

    def close(self) -> None:
        self._modules.clear()
        try:
            self._join_prestart()
        except BaseException:
            pass  # a worker that failed to start has nothing left to close
        if self._endpoint is not None:
            try:
                self._endpoint.sock.close()
            except OSError:
                pass
            self._endpoint = None
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None

    # ------------------------------------------------------------ calls

    def call(self, op: str, timeout: float | None = None, **fields: Any) -> Any:
        """One top-level request, with the per-call limit; a dead worker becomes a WorkerFailure."""
        endpoint = self.endpoint()
        limit = self.spec.limits.call_seconds if timeout is None else timeout
        try:
            return endpoint.request(op, timeout=limit, **fields)
        except rpc.ChannelTimeout:
            self._fail(self._failure_after_timeout(limit))
        except rpc.ProtocolError as exc:
            self._fail(self._failure_after_death(exc))
        except MemoryError:
            self._fail(WorkerMemory(f"memory limit ({self.spec.limits.memory_mb} MB) exceeded"))
        raise AssertionError("unreachable")

    def _failure_after_death(self, exc: rpc.ProtocolError) -> WorkerFailure:
        handle = self._handle
        death: Death | None = handle.death(2.0) if handle is not None else None
        if death is None:
            return WorkerCrashed(f"protocol violation: {exc}")
        return _FAILURE_BY_KIND[death.kind](death.detail)

    def _failure_after_timeout(self, limit: float) -> WorkerFailure:
        """A call ran out of time; a worker the kernel was killing for memory is a memory verdict."""
        timeout = WorkerTimeout(f"time limit exceeded ({limit:g} s per call)")
        handle = self._handle
        if handle is None:
            return timeout
        death = handle.death(0.5)
        if death is None:
            handle.kill()
            death = handle.death(5.0)
        if death is not None and death.kind is DeathKind.MEMORY:
            return WorkerMemory(death.detail)
        return timeout

    def _fail(self, failure: WorkerFailure) -> None:
        self._failure = failure
        self._kill()
        raise failure

    def _kill(self) -> None:
        if self._handle is not None:
            self._handle.kill()

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

    def finish_test(self) -> dict[str, Any]:
        """Forget the test's objects and collect its output; restart lazily if it died."""
        output: dict[str, Any] = {"text": "", "dropped_bytes": 0}
        self._modules.clear()
        if self._failure is not None:
            self._failure = None
            self.close()
            return output
        if self._endpoint is None:
            return output
        try:
            result = self.call("finish", target=0)
            if type(result) is dict and type(result.get("text")) is str:
                output = {"text": result["text"], "dropped_bytes": result.get("dropped_bytes", 0)}
            self._endpoint.forget_exports()
        except WorkerFailure:
            self._failure = None
            self.close()
        return output
