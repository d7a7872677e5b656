"""The worker shim: the only process in which the submission's code runs.

Standard library only (it is copied into the sandbox image as it is). It
connects to the harness over a Unix socket, loads modules on request and
answers calls. It holds no test, no expected value and no reference: there is
nothing here for a submission to find by walking frames or the heap.

Run as: python -s -P main.py --socket PATH --submission DIR [--driver DIR]
"""

from __future__ import annotations

import argparse
import importlib
import os
import resource
import socket
import sys
import threading
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpc  # type: ignore[import-not-found]

OUTPUT_CAP_BYTES = 64 * 1024


class CapturedOutput:
    """Collects what the submission writes to fds 1 and 2, keeping at most `cap` bytes.

    `take` writes a random marker into the same pipe and waits until the drain
    thread reads it: a pipe is first in, first out, so everything written before
    the marker has then been read. (A fixed sleep cost 10 ms per test.)
    """

    MARKER_WAIT_SECONDS = 2.0

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self._buffer = bytearray()
        self._dropped = 0
        self._carry = b""
        self._marker = b"\0grader-end-of-test-" + os.urandom(16).hex().encode() + b"\0"
        self._markers_read = 0
        self._markers_written = 0
        self._read_changed = threading.Condition()
        read_end, write_end = os.pipe()
        os.dup2(write_end, 1)
        os.dup2(write_end, 2)
        self._marker_fd = write_end  # our own copy: the submission closing fd 1 or 2 does not lose markers
        sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
        self._read_end = read_end
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._read_end, 65536)
            except OSError:
                return
            if not chunk:
                return
            self._absorb(chunk)

    def _absorb(self, chunk: bytes) -> None:
        """Keep the text, count the markers; a marker split across two reads is still found."""
        with self._read_changed:
            data = self._carry + chunk
            markers = data.count(self._marker)
            if markers:
                data, self._carry = data.replace(self._marker, b""), b""
            else:
                # Hold back a tail that could be the start of a marker still on its way.
                keep = len(self._marker) - 1
                data, self._carry = data[:-keep], data[-keep:]
            room = max(self.cap - len(self._buffer), 0)
            self._buffer += data[:room]
            self._dropped += max(len(data) - room, 0)
            self._markers_read += markers
            self._read_changed.notify_all()

    def take(self) -> dict[str, Any]:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            os.write(self._marker_fd, self._marker)
            self._markers_written += 1
        except OSError:
            pass  # the submission closed our descriptor: take what has arrived
        with self._read_changed:
            self._read_changed.wait_for(
                lambda: self._markers_read >= self._markers_written, timeout=self.MARKER_WAIT_SECONDS
            )
            held = bytes(self._buffer) + self._carry
            text = held[: self.cap].decode("utf-8", errors="replace")
            dropped = self._dropped + max(len(held) - self.cap, 0)
            self._buffer = bytearray()
            self._carry = b""
            self._dropped = 0
        return {"text": text, "dropped_bytes": dropped}


class WorkerRoot:
    """Object 0 of the worker's table: what the harness may ask of the worker itself."""

    def __init__(self, output: CapturedOutput) -> None:
        self.output_capture = output
        self.endpoint: rpc.Endpoint | None = None

    def load(self, module: str) -> Any:
        return importlib.import_module(module)

    def finish(self) -> dict[str, Any]:
        """End of a test: its output, and the worker forgets the objects it handed out."""
        if self.endpoint is not None:
            self.endpoint.forget_exports()
        return self.output_capture.take()


def install_search_path(submission: str, driver: str | None) -> None:
    """The driver's folder right after the worker's own, the submission's last of all.

    Import order is first match on `sys.path`: with the submission's folder after the standard
    library, the sandbox's packages, this folder (rpc, djangokit) and the driver's (driver.py and
    the challenge's apps), no file a candidate ships can stand in for any of them. Intake refuses
    such names too, so the candidate hears about it; this holds even if it did not.
    """
    if driver:
        sys.path.insert(1, driver)
    sys.path.append(submission)


def apply_rlimits(memory_mb: int | None, file_mb: int | None, nofile: int | None) -> None:
    """In-process limits: the fallback when the sandbox cannot enforce them from outside."""
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if file_mb:
        limit = file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def connect(path: str, wait_seconds: float = 20.0) -> socket.socket:
    deadline = time.monotonic() + wait_seconds
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--submission", required=True)
    parser.add_argument("--driver")
    parser.add_argument("--memory-mb", type=int)
    parser.add_argument("--file-mb", type=int)
    parser.add_argument("--nofile", type=int)
    parser.add_argument("--output-cap", type=int, default=OUTPUT_CAP_BYTES)
    args = parser.parse_args(argv)

    sock = connect(args.socket)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    output = CapturedOutput(args.output_cap)
    apply_rlimits(args.memory_mb, args.file_mb, args.nofile)
    os.chdir(args.submission)
    install_search_path(args.submission, args.driver)
    root = WorkerRoot(output)
    endpoint = rpc.Endpoint(sock, serve_ops=rpc.WORKER_SERVES, public_attrs_only=False, root=root)
    root.endpoint = endpoint
    try:
        endpoint.serve_forever()
    except rpc.ProtocolError:
        pass
    # Skip interpreter shutdown: the submission's atexit hooks and finalizers have no say.
    os._exit(0)


if __name__ == "__main__":
    main()
