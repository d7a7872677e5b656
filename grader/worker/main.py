"""The worker shim: the only processes in which the submission's code runs.

Standard library only (it is copied into the sandbox image as it is). It holds no
test, no expected value and no reference: there is nothing here for a submission
to find by walking frames or the heap.

It runs as a zygote: the process the sandbox starts connects a control channel
to the harness, imports what every test needs (the driver and, through it,
Django and the challenge's apps), and never runs the submission. For each test
the harness asks it to fork; the child connects its own channel, loads the
submission and answers the test's calls; at the end of the test the harness
closes that channel and the zygote reaps the child. Nothing a test's code
installs (threads, import hooks, patched modules, a replaced driver function)
outlives its test, and in a container every process the test left behind is
killed and /tmp emptied before the next fork.

Run as: python -s -P main.py --socket PATH --submission DIR [--driver DIR] [--contained]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import signal
import socket
import sys
import threading
import time
import types
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rpc  # type: ignore[import-not-found]

OUTPUT_CAP_BYTES = 64 * 1024
ENTRY_MODULE = "solution"
DRIVER_MODULE = "driver"
# Read by djangokit.setup(): the grader's PostgreSQL server, and a test's login once it has one.
DATABASE_ENV = "GRADER_DATABASE"
# Where a container's cgroup counts the processes the kernel killed for memory (v2, then v1).
OOM_COUNTERS = ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control")


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


# The grader's own modules in the worker: the channel, the kit, the driver, and this file.
GUARDED_MODULES = ("rpc", "djangokit", DRIVER_MODULE, "__main__")
# Standard modules whose functions make observations a driver reads (when loaded): log records,
# traced memory. And the logging classes whose methods make and route the records.
INSTRUMENT_MODULES = ("logging", "tracemalloc")
LOGGING_CLASSES = ("Logger", "RootLogger", "Manager", "Handler", "Filterer", "LogRecord")


class Integrity:
    """Defence in depth: what the grader's code in this process looked like before the submission
    was imported, checked again after every request the worker serves.

    A changed or removed function or class of the channel, the kit, the driver or this module, a
    module object swapped in `sys.modules` or given another class, a new import hook: the answer
    carries a note and the harness marks the test "tampered" (it scores nothing). A submission
    runs in this process and could defeat this check too; it exists to catch the casual forms.
    """

    def __init__(self) -> None:
        # What to compare, taken once: the check runs after every request (a hot path), so it
        # only looks things up again and compares identities, building nothing.
        self.hooks: tuple[list[Any], list[Any]] = (list(sys.meta_path), list(sys.path_hooks))
        self.modules = [(name, module, type(module)) for name in GUARDED_MODULES if (module := sys.modules.get(name))]
        namespaces: list[tuple[str, Any]] = [("rpc.Endpoint", rpc.Endpoint)]
        namespaces += [(name, module) for name, module, _ in self.modules]
        # What a driver reads is made there: a record factory, logger class or method rebound could
        # attach an exception the submission never logged; tracemalloc's functions, report a peak.
        namespaces += [(name, module) for name in INSTRUMENT_MODULES if (module := sys.modules.get(name))]
        if (logging := sys.modules.get("logging")) is not None:
            namespaces += [(f"logging.{name}", getattr(logging, name)) for name in LOGGING_CLASSES]
        # What the kit's own instruments noted (djangokit.TAMPERING): this list object, so that
        # rebinding the module's name hides nothing.
        kit = sys.modules.get("djangokit")
        self.kit_notes: list[str] = getattr(kit, "TAMPERING", []) if kit is not None else []
        if type(self.kit_notes) is not list:
            self.kit_notes = []
        self.members = [
            (f"{label}.{key}", vars(namespace), key, value)
            for label, namespace in namespaces
            for key, value in list(vars(namespace).items())
            if callable(value) and not isinstance(value, types.ModuleType)
        ]

    def check(self) -> str | None:
        """What changed (only what existed before the submission counts); None if nothing."""
        changed = [label for label, namespace, key, value in self.members if namespace.get(key) is not value]
        changed += [
            f"module {name}"
            for name, module, kind in self.modules
            if sys.modules.get(name) is not module or type(module) is not kind
        ]
        current: tuple[list[Any], list[Any]] = (list(sys.meta_path), list(sys.path_hooks))
        for label, now, before in zip(("sys.meta_path", "sys.path_hooks"), current, self.hooks, strict=True):
            if len(now) != len(before) or any(a is not b for a, b in zip(now, before, strict=True)):
                changed.append(label)
        changed += self.kit_notes
        if not changed:
            return None
        more = f" and {len(changed) - 6} more" if len(changed) > 6 else ""
        return "changed in the worker: " + ", ".join(changed[:6]) + more


class WorkerRoot:
    """Object 0 of the worker's table: what the harness may ask of the worker itself."""

    def __init__(self, output: CapturedOutput, entry: Placeholder | None = None) -> None:
        self.output_capture = output
        self.endpoint: rpc.Endpoint | None = None
        self.entry = entry

    def load(self, module: str) -> Any:
        if self.entry is not None and module == self.entry.__name__:
            return self.entry.real()
        return importlib.import_module(module)

    def finish(self) -> dict[str, Any]:
        """End of a test: its output, and the worker forgets the objects it handed out."""
        if self.endpoint is not None:
            self.endpoint.forget_exports()
        return self.output_capture.take()


class Placeholder(types.ModuleType):
    """Stands for the submission's entry module while the zygote imports the driver.

    The driver does `import solution` at its top; in the zygote that binds this object, which
    refuses every use (the zygote never runs submission code). In a test's child, `real()` imports
    the submission and puts it everywhere the placeholder was (sys.modules, the driver's globals),
    so the driver, Django's `import_string("solution.X")` and `vars(solution)` all see the module.
    """

    def __init__(self, name: str, importers: str) -> None:
        super().__init__(name)
        self._importers = os.path.join(os.path.abspath(importers), "")
        self._armed = False
        self._module: Any = None
        self._error: BaseException | None = None

    def arm(self) -> None:
        self._armed = True

    def real(self) -> Any:
        if self._module is None:
            if not self._armed:
                raise ImportError(f"{self.__name__} is not loaded in the zygote")
            if self._error is not None:
                raise self._error
            sys.modules.pop(self.__name__, None)
            try:
                module = importlib.import_module(self.__name__)
            except BaseException as exc:
                self._error = exc
                sys.modules[self.__name__] = self
                raise
            # Only the driver's folder imports the entry at its top (Django resolves its dotted
            # paths through sys.modules): scanning every module would cost milliseconds a test.
            for loaded in list(sys.modules.values()):
                origin = getattr(loaded, "__file__", None) or ""
                if loaded is not self and origin.startswith(self._importers):
                    namespace = loaded.__dict__
                    for key, value in list(namespace.items()):
                        if value is self:
                            namespace[key] = module
            self._module = module
        return self._module

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return getattr(self.real(), name)


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


def bind_database(login: dict[str, Any]) -> None:
    """This test's database and role (a Django driver on PostgreSQL), before the submission loads."""
    fields = {key: login.get(key) for key in ("name", "user", "password")}
    if not all(type(value) is str for value in fields.values()):
        return
    kit = sys.modules.get("djangokit")
    if kit is not None:
        kit.bind_database(fields)
    else:  # the driver is imported by this child (no preload): djangokit.setup() reads it there
        settings = json.loads(os.environ.get(DATABASE_ENV) or "{}")
        settings.update(fields)
        os.environ[DATABASE_ENV] = json.dumps(settings)


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


def set_dumpable(value: bool) -> None:
    """prctl(PR_SET_DUMPABLE): a non-dumpable zygote cannot be ptraced or read through
    /proc/PID/mem by the children it forks (same user, no capabilities)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 1 if value else 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # without ctypes the sandbox's other walls still stand


def read_oom_kills() -> int:
    """How many processes the kernel has killed for memory in this container's cgroup."""
    for path in OOM_COUNTERS:
        try:
            with open(path, encoding="ascii") as handle:
                for line in handle:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return 0


class Zygote:
    """Forks one child per test; never imports or runs the submission itself."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.control: socket.socket | None = None  # connected after the preload
        self.entry: Placeholder | None = None
        self.oom_before = 0

    def preload(self) -> None:
        """Import the driver (and so Django and the challenge's apps) once, for every test.

        Done before the control channel exists: a driver that uses the submission at import fails
        here, and the worker starts again as a fresh interpreter that leaves the driver's import to
        each test's child (slower, as correct).
        """
        if not self.args.driver:
            return
        self.entry = Placeholder(ENTRY_MODULE, self.args.driver)
        sys.modules[ENTRY_MODULE] = self.entry
        try:
            importlib.import_module(DRIVER_MODULE)
        except BaseException:
            os.execv(sys.executable, [*sys.orig_argv, "--no-preload"])

    def serve(self) -> None:
        """Answer the harness: `fork` (with the token the child must present) and `reap`."""
        assert self.control is not None
        while True:
            try:
                message = json.loads(rpc.recv_frame(self.control))
            except (rpc.ProtocolError, ValueError):
                os._exit(0)  # the harness is gone: so is this grading
            op = message.get("op") if type(message) is dict else None
            if op == "fork" and type(message.get("token")) is str:
                login = message.get("database")
                reply: dict[str, Any] = {"pid": self.fork(message["token"], login if type(login) is dict else None)}
            elif op == "reap" and type(message.get("pid")) is int:
                reply = self.reap(message["pid"], kill=message.get("kill") is True)
            else:
                reply = {"error": f"unknown request {op!r}"}
            rpc.send_frame(self.control, json.dumps(reply).encode("utf-8"))

    def fork(self, token: str, login: dict[str, Any] | None = None) -> int:
        self.oom_before = read_oom_kills() if self.args.contained else 0
        pid = os.fork()
        if pid == 0:
            try:
                if self.control is not None:
                    self.control.close()
                run_child(self.args, self.entry, token, login)
            finally:
                os._exit(70)
        return pid

    def reap(self, pid: int, *, kill: bool, wait_seconds: float = 2.0) -> dict[str, Any]:
        """Wait for a test's child (killing it first, or once `wait_seconds` have passed); then, in a
        container, kill every process the test left and empty /tmp. Its exit as Popen would say it."""
        if kill:
            _kill(pid)
        deadline = time.monotonic() + wait_seconds
        status = None
        while status is None:
            try:
                done, raw = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break
            if done:
                status = raw
            elif time.monotonic() > deadline:
                _kill(pid)
                deadline = time.monotonic() + 60
            else:
                time.sleep(0.002)
        if self.args.contained:
            self.sweep()
        code = None if status is None else os.waitstatus_to_exitcode(status)
        oom = self.args.contained and read_oom_kills() > self.oom_before
        return {"returncode": code, "oom": oom}

    def sweep(self) -> None:
        """Every other process this user has in the container (grandchildren that outlived their
        test) is killed, and /tmp is emptied: the next test starts from the zygote's state alone."""
        kill_leftovers()
        for name in os.listdir("/tmp"):
            path = os.path.join("/tmp", name)
            try:
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    os.unlink(path)
            except OSError:
                pass


SWEEP_SECONDS = 5.0


def kill_leftovers(seconds: float = SWEEP_SECONDS) -> None:
    """Kill every process this user may signal but this one and PID 1, and return once none of
    them runs any more (zombies aside) or after `seconds`.

    SIGKILL takes effect when the process next runs, which on a loaded machine can be after the
    next test's child has started and looked: so kill until none is left (killing again also
    catches a process forked while the first signal was on its way)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        while True:
            try:
                if os.waitpid(-1, os.WNOHANG)[0] == 0:
                    break
            except ChildProcessError:
                break
        if not _others_alive() or time.monotonic() > deadline:
            return
        time.sleep(0.001)


def _others_alive() -> bool:
    """Whether a process of this user other than this one and PID 1 still runs (not a zombie)."""
    me, uid = os.getpid(), os.getuid()
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (me, 1):
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid != uid:
                continue
            with open(f"/proc/{name}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue  # gone meanwhile
        if state not in (b"Z", b"X"):
            return True
    return False


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run_child(
    args: argparse.Namespace, entry: Placeholder | None, token: str, login: dict[str, Any] | None = None
) -> None:
    """One test: connect a channel of its own (first frame: the token the harness gave the zygote
    for this test, which nothing left from an earlier test can know), take the test's database
    login, load the submission, answer calls until the harness closes the channel."""
    set_dumpable(True)
    if login is not None:
        bind_database(login)
    sock = connect(args.socket)
    rpc.send_frame(sock, token.encode("ascii"))
    output = CapturedOutput(args.output_cap)
    root = WorkerRoot(output, entry)
    endpoint = rpc.Endpoint(sock, serve_ops=rpc.WORKER_SERVES, public_attrs_only=False, root=root)
    root.endpoint = endpoint
    endpoint.integrity = Integrity().check
    if entry is not None:
        entry.arm()
        try:
            entry.real()  # now, so the driver sees the module itself (its failure is reported on use)
        except BaseException:
            pass
    try:
        endpoint.serve_forever()
    except rpc.ProtocolError:
        pass
    # Skip interpreter shutdown: the submission's atexit hooks and finalizers have no say.
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--submission", required=True)
    parser.add_argument("--driver")
    parser.add_argument("--memory-mb", type=int)
    parser.add_argument("--file-mb", type=int)
    parser.add_argument("--nofile", type=int)
    parser.add_argument("--output-cap", type=int, default=OUTPUT_CAP_BYTES)
    parser.add_argument("--contained", action="store_true", help="alone in a container: sweep after each test")
    parser.add_argument("--no-preload", action="store_true")
    parser.add_argument("--database-host", help="the grader's PostgreSQL socket folder (Django on PostgreSQL)")
    args = parser.parse_args(argv)

    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    if args.database_host:
        os.environ[DATABASE_ENV] = json.dumps({"host": args.database_host})
    apply_rlimits(args.memory_mb, args.file_mb, args.nofile)
    os.chdir(args.submission)
    install_search_path(args.submission, args.driver)
    set_dumpable(False)
    zygote = Zygote(args)
    if not args.no_preload:
        zygote.preload()
    zygote.control = connect(args.socket)
    zygote.serve()
    os._exit(0)


if __name__ == "__main__":
    main()
