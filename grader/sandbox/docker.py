"""The `docker` backend: each worker runs in its own locked-down container.

No network, a read-only root, an unprivileged user without capabilities, cgroup limits on
memory (no swap), processes and CPU, rlimits on file size and open files, a small /tmp.
The submission, the optional driver and the socket folder are the only host paths inside,
all read-only. Wall-clock limits stay with the harness: it calls `kill()`.
"""

from __future__ import annotations

import re
import stat
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors
from docker.types import LogConfig, Mount, Ulimit

from grader.errors import SandboxError, one_line
from grader.sandbox.base import SOCKET_NAME, Death, DeathKind, Limits, WorkerSpec, describe_returncode
from grader.sandbox.engine import ENGINE_ERRORS, docker_client
from grader.sandbox.image import ImageInfo, compute_image_tag, ensure_image
from grader.sandbox.local import PYTHON_FLAGS, worker_environment

LABEL_MANAGED = "grader.managed"
LABEL_RUN = "grader.run"
SANDBOX_USER = "65534:65534"
WORKER_MAIN = "/opt/grader-worker/main.py"
SUBMISSION_MOUNT = "/submission"
DRIVER_MOUNT = "/driver"
SOCKET_MOUNT = "/run/grader"
DATABASE_MOUNT = "/run/grader-postgres"
# Connecting to a Unix socket needs write permission on the socket file, not a writable
# mount: the socket folder is mounted read-only (checked by the integration tests).
SOCKET_READ_ONLY = True
POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class EngineSupport:
    """Which limits this engine's cgroups can enforce (from `docker info`)."""

    memory: bool
    swap: bool
    pids: bool
    cpu: bool

    @classmethod
    def from_info(cls, info: dict[str, Any]) -> EngineSupport:
        return cls(
            memory=bool(info.get("MemoryLimit")),
            swap=bool(info.get("SwapLimit")),
            pids=bool(info.get("PidsLimit")),
            cpu=bool(info.get("CpuCfsQuota")),
        )

    @property
    def memory_enforced(self) -> bool:
        # Without a swap limit a memory limit only bounds RAM: the rest goes to swap.
        return self.memory and self.swap

    def enforcement(self) -> dict[str, str]:
        """For reports: who enforces each limit."""
        return {
            "memory": "cgroup (memory = memory+swap)"
            if self.memory_enforced
            else "rlimit RLIMIT_AS in the worker (engine lacks memory or swap limits)",
            "processes": "cgroup pids" if self.pids else "rlimit NPROC (per uid; engine lacks pids limits)",
            "cpu": "cgroup CFS quota" if self.cpu else "not limited (engine lacks CFS quota)",
            "file_size": "rlimit FSIZE (engine ulimit)",
            "open_files": "rlimit NOFILE (engine ulimit)",
            "cpu_time": "rlimit CPU (engine ulimit)",
            "tmp": "tmpfs size",
            "time": "harness wall clock (container killed)",
            "network": "none",
            "filesystem": "read-only root, read-only mounts",
            "privileges": "uid 65534, no capabilities, no-new-privileges",
        }


@dataclass(frozen=True, slots=True)
class Exit:
    """How a container ended (from its State after it stopped)."""

    code: int
    oom_killed: bool
    removed: bool = False


def describe_exit(exit_code: int, oom_killed: bool, limits: Limits) -> Death:
    """A container's end in the harness's terms (the worker runs under docker-init, which exits
    128 + N when a signal N ended the process)."""
    if oom_killed:
        return Death(DeathKind.MEMORY, f"memory limit ({limits.memory_mb} MB) exceeded")
    number = exit_code - 128
    return describe_returncode(-number if 0 < number < 65 else exit_code, limits)


def _check_mountable(folder: Path) -> None:
    """The worker is uid 65534: a folder it cannot enter would look like a crash of the
    submission (or a worker that never connects), so refuse it here, as what it is."""
    try:
        mode = folder.stat().st_mode
    except OSError as exc:
        raise SandboxError(f"cannot mount {folder}: {exc.strerror}") from None
    if not stat.S_ISDIR(mode):
        raise SandboxError(f"cannot mount {folder}: not a folder")
    if mode & 0o005 != 0o005:
        raise SandboxError(
            f"cannot mount {folder}: the sandbox user (uid 65534) cannot read it"
            " (make it world-readable: 0755 folders, 0644 files)"
        )


def _safe_name(text: str, limit: int = 48) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)[:limit] or "run"


def _ignorable(exc: BaseException) -> bool:
    """Not found (already removed) or conflict (not running, removal in progress)."""
    if isinstance(exc, docker.errors.NotFound):
        return True
    return isinstance(exc, docker.errors.APIError) and exc.status_code == 409


class DockerWorker:
    """One worker container."""

    def __init__(self, client: Any, container_id: str, name: str, limits: Limits) -> None:
        self.client = client
        self.id = container_id
        self.name = name
        self.limits = limits
        self._closed = False
        self._lock = threading.Lock()

    # The container's memory cgroup, read and reset from the host: nothing in the container can
    # write it (cgroupfs is read-only there), so a submission cannot forge the figure.
    def _memory_cgroup(self) -> Path | None:
        state = self.state() or {}
        pid = state.get("Pid")
        if not pid:
            return None
        try:
            lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
        except OSError:
            return None
        for line in lines:
            _number, controllers, path = line.split(":", 2)
            if "memory" in controllers.split(","):
                return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
        unified = next((line.split(":", 2)[2] for line in lines if line.startswith("0::")), None)
        return None if unified is None else Path("/sys/fs/cgroup") / unified.lstrip("/")

    def reset_peak_memory(self, child: int) -> int | None:
        folder = self._memory_cgroup()
        if folder is None:
            return None
        for name, usage in (("memory.max_usage_in_bytes", "memory.usage_in_bytes"), ("memory.peak", "memory.current")):
            try:
                (folder / name).write_text("0")
                return int((folder / usage).read_text())
            except (OSError, ValueError):
                continue
        return None

    def peak_memory(self, child: int) -> int | None:
        folder = self._memory_cgroup()
        if folder is None:
            return None
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                return int((folder / name).read_text())
            except (OSError, ValueError):
                continue
        return None

    def state(self) -> dict[str, Any] | None:
        """The container's State from `docker inspect`; None once it is removed."""
        try:
            attrs = self.client.api.inspect_container(self.id)
        except docker.errors.NotFound:
            return None
        except ENGINE_ERRORS as exc:
            raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
        state: dict[str, Any] = attrs.get("State") or {}
        return state

    def wait_exit(self, wait_seconds: float) -> Exit | None:
        """How the container ended, waiting up to `wait_seconds`; None while it runs."""
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        while True:
            state = self.state()
            if state is None:
                return Exit(code=-1, oom_killed=False, removed=True)
            if state.get("Status") not in ("created", "running", "restarting", "paused"):
                return Exit(int(state.get("ExitCode") or 0), bool(state.get("OOMKilled")))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            time.sleep(min(POLL_SECONDS, remaining))

    def death(self, wait_seconds: float) -> Death | None:
        ended = self.wait_exit(wait_seconds)
        if ended is None:
            return None
        if ended.removed:
            return Death(DeathKind.CRASHED, "worker container disappeared")
        return describe_exit(ended.code, ended.oom_killed, self.limits)

    def kill(self) -> None:
        # SIGKILL to docker-init, PID 1 of the container: every process in it dies.
        try:
            self.client.api.kill(self.id)
        except ENGINE_ERRORS as exc:
            if not _ignorable(exc):
                raise SandboxError(f"cannot kill container {self.name}: {one_line(exc)}") from None

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            try:
                self.client.api.remove_container(self.id, force=True)
            except ENGINE_ERRORS as exc:
                if not _ignorable(exc):
                    raise SandboxError(f"cannot remove container {self.name}: {one_line(exc)}") from None
            self._closed = True


class DockerBackend:
    """Starts each worker in a fresh container from the sandbox image."""

    name = "docker"

    def __init__(self, image_tag: str | None = None, client: Any = None) -> None:
        self.image_tag = image_tag or compute_image_tag()
        self._client = client
        self._owns_client = client is None
        self._image: ImageInfo | None = None
        self._support: EngineSupport | None = None

    # ------------------------------------------------------------ engine facts

    def engine(self) -> Any:
        if self._client is None:
            self._client = docker_client()
        return self._client

    def image(self) -> ImageInfo:
        """The image, checked once: never built implicitly."""
        if self._image is None:
            self._image = ensure_image(self.image_tag, client=self.engine())
        return self._image

    def support(self) -> EngineSupport:
        if self._support is None:
            try:
                info = self.engine().info()
            except ENGINE_ERRORS as exc:
                raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
            self._support = EngineSupport.from_info(info)
        return self._support

    def close(self) -> None:
        """Release the engine connection (not the containers: see `cleanup`)."""
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None

    # ------------------------------------------------------------ run options

    def worker_command(self, spec: WorkerSpec) -> list[str]:
        command = [
            "python3", *PYTHON_FLAGS, WORKER_MAIN,
            "--socket", f"{SOCKET_MOUNT}/{SOCKET_NAME}",
            "--submission", SUBMISSION_MOUNT,
            "--output-cap", str(spec.limits.output_bytes),
            "--contained",  # alone in its container: the zygote sweeps every process a test left
        ]  # fmt: skip
        if spec.driver_dir is not None:
            command += ["--driver", DRIVER_MOUNT]
        if spec.database_socket_dir is not None:
            command += ["--database-host", DATABASE_MOUNT]
        command += self.fallback_flags(spec.limits)
        return command

    def fallback_flags(self, limits: Limits) -> list[str]:
        """The worker's in-process address-space limit, always on, below the cgroup's.

        Where the engine enforces memory, the cgroup stays the hard stop; the rlimit
        makes a runaway allocation fail fast with MemoryError (a memory verdict)
        instead of the kernel thrashing near the cgroup limit until the call times
        out, and gives the same verdicts as the local backend.
        """
        return ["--memory-mb", str(limits.memory_mb)]

    def host_options(self, spec: WorkerSpec, socket_dir: Path) -> dict[str, Any]:
        limits = spec.limits
        support = self.support()
        mounts = [
            Mount(SUBMISSION_MOUNT, str(spec.submission_dir), type="bind", read_only=True),
            Mount(SOCKET_MOUNT, str(socket_dir), type="bind", read_only=SOCKET_READ_ONLY),
        ]
        if spec.driver_dir is not None:
            mounts.append(Mount(DRIVER_MOUNT, str(spec.driver_dir), type="bind", read_only=True))
        if spec.database_socket_dir is not None:
            # The server's socket only (connecting needs no write access to the folder); the
            # network stays off.
            mounts.append(Mount(DATABASE_MOUNT, str(spec.database_socket_dir), type="bind", read_only=True))
        file_bytes = limits.file_mb * 1024 * 1024
        cpu_seconds = int(limits.suite_seconds) + 5  # a backstop; the harness's clock comes first
        ulimits = [
            Ulimit(name="nofile", soft=limits.nofile, hard=limits.nofile),
            Ulimit(name="fsize", soft=file_bytes, hard=file_bytes),
            Ulimit(name="core", soft=0, hard=0),
            Ulimit(name="cpu", soft=cpu_seconds, hard=cpu_seconds),
        ]
        options: dict[str, Any] = {
            "network_mode": "none",
            "read_only": True,
            # noexec: nothing the submission writes can be executed or loaded as a library;
            # Python itself needs no executable /tmp.
            "tmpfs": {"/tmp": f"rw,size={limits.tmp_mb}m,mode=1777,nosuid,nodev,noexec"},
            "shm_size": f"{limits.tmp_mb}m",
            "cap_drop": ["ALL"],
            "security_opt": ["no-new-privileges"],
            "ulimits": ulimits,
            "init": True,
            "log_config": LogConfig(type="none"),
            "auto_remove": False,
            "mounts": mounts,
        }
        if support.memory:
            options["mem_limit"] = f"{limits.memory_mb}m"
            if support.swap:
                options["memswap_limit"] = f"{limits.memory_mb}m"
        if support.pids:
            options["pids_limit"] = limits.pids
        else:
            ulimits.append(Ulimit(name="nproc", soft=limits.pids, hard=limits.pids))
        if support.cpu:
            options["nano_cpus"] = int(limits.cpus * 1e9)
        return options

    # ------------------------------------------------------------ containers

    def start(self, spec: WorkerSpec, socket_dir: Path) -> DockerWorker:
        return self.launch(spec, socket_dir, self.worker_command(spec))

    def launch(self, spec: WorkerSpec, socket_dir: Path, command: list[str]) -> DockerWorker:
        """A started container with the worker's options running `command` (the doctor's probes)."""
        client = self.engine()
        image = self.image()
        for folder in (spec.submission_dir, spec.driver_dir, socket_dir):
            if folder is not None:
                _check_mountable(folder)
        name = f"grader-{_safe_name(spec.run_id)}-{uuid.uuid4().hex[:10]}"
        labels = {str(k): str(v) for k, v in spec.labels.items()}
        labels.update({LABEL_MANAGED: "1", LABEL_RUN: spec.run_id})
        try:
            host_config = client.api.create_host_config(**self.host_options(spec, socket_dir))
            created = client.api.create_container(
                image=image.digest,
                command=command,
                user=SANDBOX_USER,
                environment=worker_environment(),
                labels=labels,
                name=name,
                host_config=host_config,
            )
        except docker.errors.ImageNotFound:
            self._image = None
            self.image()  # raises the "run `grader image build`" error if the tag is gone
            raise SandboxError(f"sandbox image {self.image_tag} changed during start") from None
        except ENGINE_ERRORS as exc:
            raise SandboxError(f"cannot create a sandbox container: {one_line(exc)}") from None
        worker = DockerWorker(client, str(created["Id"]), name, spec.limits)
        try:
            client.api.start(worker.id)
        except ENGINE_ERRORS as exc:
            worker.close()
            raise SandboxError(f"cannot start a sandbox container: {one_line(exc)}") from None
        return worker

    def cleanup(self, run_id: str | None = None) -> int:
        return cleanup(run_id, client=self.engine())

    def describe(self) -> dict[str, Any]:
        image = self.image()
        return {
            "backend": self.name,
            "isolated": True,
            "image": image.tag,
            "image_digest": image.digest,
            "python": image.python_version,
            "packages": dict(image.packages),
            "base_source": image.base_source,
            "enforcement": self.support().enforcement(),
        }


def cleanup(run_id: str | None = None, *, client: Any = None, run_prefix: str | None = None) -> int:
    """Remove containers this grader started (all of them, one run's, or those of runs named
    `run_prefix...`); how many."""
    engine = docker_client(client)
    try:
        wanted = [f"{LABEL_MANAGED}=1"]
        if run_id is not None:
            wanted.append(f"{LABEL_RUN}={run_id}")
        try:
            found = engine.api.containers(all=True, filters={"label": wanted})
        except ENGINE_ERRORS as exc:
            raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
        if run_prefix is not None:
            found = [e for e in found if str((e.get("Labels") or {}).get(LABEL_RUN, "")).startswith(run_prefix)]
        removed = 0
        for entry in found:
            try:
                engine.api.remove_container(entry["Id"], force=True)
                removed += 1
            except ENGINE_ERRORS as exc:
                if not _ignorable(exc):
                    raise SandboxError(f"cannot remove a container: {one_line(exc)}") from None
        return removed
    finally:
        if client is None:
            engine.close()
