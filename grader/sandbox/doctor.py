"""`grader doctor`: is Docker there, is the image current, and is every limit really enforced?

The limits are not taken on trust from `docker info`: each one is tried from inside a probe
container started with exactly the options the docker backend gives a worker. A probe exits
0 when the limit held and 1 when it did not (the containers have no logs to read).
"""

from __future__ import annotations

import shutil
import tempfile
import textwrap
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import SandboxError
from grader.sandbox.base import Check, Limits, WorkerSpec
from grader.sandbox.docker import DATABASE_MOUNT, DockerBackend
from grader.sandbox.engine import ENGINE_ERRORS, docker_client
from grader.sandbox.image import compute_image_tag, image_info

# Small limits, so that the probes that must hit them do so quickly.
PROBE_LIMITS = Limits(memory_mb=96, pids=32, file_mb=2, tmp_mb=8, nofile=64, cpus=1.0)
PROBE_SECONDS = 30.0
PYTHON = ("python3", "-s", "-P", "-B", "-c")
DOCTOR_LABEL = "grader.doctor"


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    script: str
    held: str
    broken: str
    oom_means_held: bool = False


def _probes(limits: Limits) -> list[Probe]:
    mb = 1024 * 1024
    return [
        Probe(
            "memory limit",
            f"""
            data = b"x" * ({2 * limits.memory_mb} * {mb})
            sys.exit(1)
            """,
            f"allocating {2 * limits.memory_mb} MB was stopped",
            f"allocating {2 * limits.memory_mb} MB succeeded",
            oom_means_held=True,
        ),
        Probe(
            "process limit",
            f"""
            started = 0
            try:
                for _ in range({limits.pids + 8}):
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    started += 1
            except OSError:
                sys.exit(0)
            sys.exit(1)
            """,
            f"fork failed before {limits.pids} processes",
            f"{limits.pids + 8} processes started",
        ),
        Probe(
            "file size limit",
            f"""
            try:
                with open("/tmp/big", "wb") as handle:
                    handle.write(b"x" * ({limits.file_mb + 1} * {mb}))
            except OSError as exc:
                sys.exit(0 if exc.errno == errno.EFBIG else 2)
            sys.exit(1)
            """,
            f"a {limits.file_mb + 1} MB file in /tmp was refused (EFBIG)",
            f"a {limits.file_mb + 1} MB file was written to /tmp",
        ),
        Probe(
            "tmp size limit",
            f"""
            chunk = b"x" * ({max(limits.file_mb - 1, 1)} * {mb} - 4096)
            try:
                for index in range({limits.tmp_mb // max(limits.file_mb - 1, 1) + 2}):
                    with open(f"/tmp/fill{{index}}", "wb") as handle:
                        handle.write(chunk)
            except OSError as exc:
                sys.exit(0 if exc.errno == errno.ENOSPC else 2)
            sys.exit(1)
            """,
            f"/tmp filled up at {limits.tmp_mb} MB (ENOSPC)",
            f"more than {limits.tmp_mb} MB were written to /tmp",
        ),
        Probe(
            "no network",
            """
            reached = []
            try:
                socket.create_connection(("8.8.8.8", 53), timeout=2).close()
                reached.append("connect")
            except OSError:
                pass
            try:
                socket.getaddrinfo("deb.debian.org", 80)
                reached.append("dns")
            except OSError:
                pass
            with open("/proc/net/dev") as handle:
                names = [line.split(":")[0].strip() for line in handle.readlines()[2:]]
            sys.exit(1 if reached or set(names) - {"lo"} else 0)
            """,
            "no interface but lo; connecting to 8.8.8.8:53 and resolving names fail",
            "the container can reach the network",
        ),
        Probe(
            "read-only root",
            """
            with open("/proc/self/mountinfo") as handle:
                mounts = {line.split()[4]: line.split()[5].split(",") for line in handle}
            paths = ("/", "/submission", "/run/grader")
            readonly = all("ro" in mounts.get(path, ["rw"]) for path in paths)
            for path in ("/etc/grader-probe", "/opt/grader-probe", "/submission/grader-probe"):
                try:
                    open(path, "w").close()
                    sys.exit(1)
                except OSError:
                    pass
            sys.exit(0 if readonly else 1)
            """,
            "/, /submission and /run/grader are mounted read-only",
            "a path outside /tmp is writable",
        ),
        Probe(
            "non-root user",
            """
            sys.exit(0 if 0 not in (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) else 1)
            """,
            "uid and gid 65534",
            "the worker runs as root",
        ),
        Probe(
            "no capabilities",
            """
            with open("/proc/self/status") as handle:
                pairs = [line.rstrip("\\n").split(":\\t", 1) for line in handle]
            status = {pair[0]: pair[1] for pair in pairs if len(pair) == 2}
            caps = [int(status[k], 16) for k in ("CapEff", "CapPrm", "CapBnd", "CapAmb")]
            sys.exit(0 if not any(caps) and status.get("NoNewPrivs") == "1" else 1)
            """,
            "CapEff, CapPrm, CapBnd, CapAmb are 0 and NoNewPrivs is 1",
            "the worker has capabilities or may gain privileges",
        ),
        Probe(
            "seccomp",
            """
            with open("/proc/self/status") as handle:
                mode = [line.split()[1] for line in handle if line.startswith("Seccomp:")]
            sys.exit(0 if mode == ["2"] else 1)
            """,
            "a seccomp filter is active",
            "no seccomp filter",
        ),
    ]


def _script(probe: Probe, fallback: list[str], limits: Limits) -> str:
    prologue = "import errno, os, resource, socket, sys, time\n"
    if "--memory-mb" in fallback:
        # The same in-process limit the worker sets when the engine cannot enforce memory.
        size = limits.memory_mb * 1024 * 1024
        prologue += f"resource.setrlimit(resource.RLIMIT_AS, ({size}, {size}))\n"
    body = textwrap.dedent(probe.script).strip() + "\n"
    if probe.oom_means_held:
        body = f"try:\n{textwrap.indent(body, '    ')}except MemoryError:\n    sys.exit(0)\n"
    return prologue + body


def _database_probe(login: Mapping[str, str]) -> Probe:
    """A worker reaches the grader's PostgreSQL through the mounted socket, with a test's login."""
    return Probe(
        "database from a worker",
        f"""
        import psycopg
        try:
            with psycopg.connect(host={DATABASE_MOUNT!r}, dbname={login["name"]!r}, user={login["user"]!r},
                                 password={login["password"]!r}, connect_timeout=10) as connection:
                connection.execute("SELECT 1").fetchone()
        except Exception:
            sys.exit(1)
        """,
        f"connected through the socket mounted at {DATABASE_MOUNT}, network off",
        "could not connect to the grader's PostgreSQL from inside a container",
    )


def _run_probe(
    backend: DockerBackend, probe: Probe, limits: Limits, scratch: Path, database_socket_dir: Path | None = None
) -> Check:
    run_id = f"doctor-{uuid.uuid4().hex[:8]}"
    submission = scratch / "submission"
    sockets = scratch / "sockets"
    spec = WorkerSpec(
        submission, limits, run_id=run_id, labels={DOCTOR_LABEL: "1"}, database_socket_dir=database_socket_dir
    )
    script = _script(probe, backend.fallback_flags(limits), limits)
    try:
        worker = backend.launch(spec, sockets, [*PYTHON, script])
    except SandboxError as exc:
        return Check(probe.name, False, f"probe container failed: {exc}")
    try:
        ended = worker.wait_exit(PROBE_SECONDS)
    finally:
        worker.close()
    if ended is None:
        return Check(probe.name, False, f"probe did not finish within {PROBE_SECONDS:.0f} s")
    code, oom_killed = ended.code, ended.oom_killed
    if code == 0 or (probe.oom_means_held and oom_killed):
        how = " (OOM-killed)" if oom_killed else ""
        return Check(probe.name, True, probe.held + how)
    if code == 1:
        return Check(probe.name, False, probe.broken)
    return Check(probe.name, False, f"probe failed unexpectedly (exit code {code})")


def run_doctor(
    tag: str | None = None,
    limits: Limits | None = None,
    database: tuple[Path, Mapping[str, str]] | None = None,
) -> list[Check]:
    """Every check, in order; a failed prerequisite skips what depends on it.

    `database`: the grader's PostgreSQL socket folder and a test's login, to check that a worker
    reaches it from inside its container."""
    checks: list[Check] = []
    try:
        client = docker_client()
    except SandboxError as exc:
        return [Check("docker engine", False, str(exc))]
    try:
        version: dict[str, Any] = client.version()
        info: dict[str, Any] = client.info()
        checks.append(
            Check(
                "docker engine",
                True,
                f"Docker {version.get('Version', '?')}, cgroup v{info.get('CgroupVersion', '?')}, "
                f"{info.get('Driver', '?')} storage",
            )
        )
        current = compute_image_tag()
        target = tag or current
        try:
            image = image_info(target, client=client)
        except SandboxError as exc:
            checks.append(Check("sandbox image", False, str(exc)))
            return checks
        checks.append(Check("sandbox image", True, f"{image.tag} {image.digest[:19]} ({image.base_source})"))
        fresh = image.source == current.partition(":")[2]
        checks.append(
            Check(
                "image matches sources",
                fresh,
                f"built from this checkout's Dockerfile, requirements and worker ({current})"
                if fresh
                else f"{target} was not built from these sources (current tag: {current}); run `grader image build`",
            )
        )
        backend = DockerBackend(image.tag, client=client)
        checks.append(_enforcement_check(backend))
        checks += _run_probes(backend, limits or PROBE_LIMITS)
        if database is not None:
            checks.append(_run_database_probe(backend, limits or PROBE_LIMITS, *database))
        return checks
    finally:
        client.close()


def _enforcement_check(backend: DockerBackend) -> Check:
    support = backend.support()
    enforcement = backend.support().enforcement()
    fallback = not (support.memory_enforced and support.pids)
    detail = f"memory: {enforcement['memory']}; processes: {enforcement['processes']}"
    return Check("engine limits", True, ("fallback in use: " if fallback else "") + detail)


def _run_probes(backend: DockerBackend, limits: Limits) -> list[Check]:
    scratch = Path(tempfile.mkdtemp(prefix="grader-doctor-"))
    try:
        for name in ("submission", "sockets"):
            (scratch / name).mkdir()
            (scratch / name).chmod(0o755)
        probes = _probes(limits)
        with ThreadPoolExecutor(max_workers=3) as pool:
            results = list(pool.map(lambda p: _run_probe(backend, p, limits, scratch), probes))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        cleanup_doctor(backend)


def _run_database_probe(backend: DockerBackend, limits: Limits, socket_dir: Path, login: Mapping[str, str]) -> Check:
    scratch = Path(tempfile.mkdtemp(prefix="grader-doctor-"))
    try:
        for name in ("submission", "sockets"):
            (scratch / name).mkdir()
            (scratch / name).chmod(0o755)
        return _run_probe(backend, _database_probe(login), limits, scratch, socket_dir)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        cleanup_doctor(backend)


def cleanup_doctor(backend: DockerBackend) -> None:
    """Probe containers are removed one by one; this catches any an interruption left."""
    engine = backend.engine()
    try:
        for entry in engine.api.containers(all=True, filters={"label": [DOCTOR_LABEL + "=1"]}):
            engine.api.remove_container(entry["Id"], force=True)
    except ENGINE_ERRORS:
        pass
