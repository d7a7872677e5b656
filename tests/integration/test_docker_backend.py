"""The docker backend end to end: real containers, observed from inside.

Needs a Docker engine. The sandbox image is built once if it is missing (about 30 s, or
about 90 s when the Debian base must be made first). Without an engine or an image these
tests are skipped, or fail under CI=true.
"""

from __future__ import annotations

import signal
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.errors import SandboxError
from grader.harness.session import WorkerCrashed, WorkerMemory, WorkerSession, WorkerTimeout
from grader.sandbox.base import Limits, WorkerSpec
from grader.sandbox.docker import LABEL_MANAGED, LABEL_RUN, DockerBackend, cleanup
from grader.sandbox.doctor import run_doctor
from grader.sandbox.engine import docker_client
from grader.sandbox.image import (
    build_image,
    compute_image_tag,
    ensure_image,
    image_info,
)
from tests.conftest import docker_unavailable

pytestmark = pytest.mark.docker

PROBE = textwrap.dedent(
    """
    import errno, os, socket, time

    def add(a, b):
        return a + b

    def fail():
        raise ValueError("boom")

    def ids():
        return [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups()]

    def status():
        fields = {}
        with open("/proc/self/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        return fields

    def mounts():
        with open("/proc/self/mountinfo") as handle:
            return {line.split()[4]: line.split()[5] for line in handle}

    def write(path, size=1):
        try:
            with open(path, "wb") as handle:
                handle.write(b"x" * size)
            return "ok"
        except OSError as exc:
            return errno.errorcode.get(exc.errno, str(exc.errno))

    def network():
        outcomes = {}
        try:
            socket.create_connection(("8.8.8.8", 53), timeout=2).close()
            outcomes["connect"] = "ok"
        except OSError as exc:
            outcomes["connect"] = errno.errorcode.get(exc.errno, str(exc))
        try:
            socket.getaddrinfo("deb.debian.org", 80)
            outcomes["dns"] = "ok"
        except OSError as exc:
            outcomes["dns"] = type(exc).__name__
        with open("/proc/net/dev") as handle:
            outcomes["interfaces"] = sorted(l.split(":")[0].strip() for l in handle.readlines()[2:])
        return outcomes

    def exists(path):
        return os.path.exists(path)

    def listdir(path):
        return sorted(os.listdir(path))

    def fork_many(count):
        children = []
        error = None
        try:
            for _ in range(count):
                pid = os.fork()
                if pid == 0:
                    time.sleep(30)
                    os._exit(0)
                children.append(pid)
        except OSError as exc:
            error = errno.errorcode.get(exc.errno, str(exc.errno))
        for pid in children:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        return [len(children), error]

    def hog(megabytes):
        data = b"x" * (megabytes << 20)
        return len(data)

    def spin():
        while True:
            pass

    def die(code):
        os._exit(code)

    def signal_self(number):
        os.kill(os.getpid(), number)

    def hostname():
        return socket.gethostname()

    def pid():
        return os.getpid()

    def leave_behind():
        with open("/tmp/left-by-an-earlier-test", "w") as handle:
            handle.write("x")
        if os.fork() == 0:  # a grandchild that would outlive its test
            os.setsid()
            import time
            time.sleep(600)
            os._exit(0)
        return sorted(os.listdir("/tmp"))

    def processes():
        return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())

    def tmp_files():
        return sorted(os.listdir("/tmp"))
    """
)

LIMITS = Limits(call_seconds=5, memory_mb=128, pids=32, file_mb=2, tmp_mb=8, nofile=64)


@pytest.fixture(scope="session")
def sandbox_tag() -> str:
    """The current image, built once (through the real build path) if it is missing."""
    try:
        client = docker_client()
    except SandboxError as exc:
        docker_unavailable(str(exc))
        raise
    try:
        tag = compute_image_tag()
        try:
            ensure_image(tag, client=client)
        except SandboxError:
            build_image(tag=tag, client=client)
        return tag
    except SandboxError as exc:
        docker_unavailable(f"no sandbox image and it cannot be built: {exc}")
        raise
    finally:
        client.close()


@pytest.fixture(scope="module", autouse=True)
def docker_ready(sandbox_tag: str) -> str:
    """Module-wide: skip (or, under CI, fail) every test here without engine or image."""
    return sandbox_tag


@pytest.fixture(scope="module")
def backend(sandbox_tag: str) -> Iterator[DockerBackend]:
    made = DockerBackend(sandbox_tag)
    yield made
    made.close()


@pytest.fixture(scope="module")
def submission(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("submission")
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    # The worker is uid 65534: the files must be world-readable.
    folder.chmod(0o755)
    (folder / "probe.py").chmod(0o644)
    return folder


def _run_id() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def _containers(backend: DockerBackend, run_id: str | None = None) -> list[dict[str, Any]]:
    labels = [f"{LABEL_MANAGED}=1"] + ([f"{LABEL_RUN}={run_id}"] if run_id else [])
    found: list[dict[str, Any]] = backend.engine().api.containers(all=True, filters={"label": labels})
    return found


@pytest.fixture
def make_session(backend: DockerBackend, submission: Path) -> Iterator[Any]:
    sessions: list[WorkerSession] = []

    def make(limits: Limits = LIMITS) -> WorkerSession:
        session = WorkerSession(backend, WorkerSpec(submission, limits, run_id=_run_id()))
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
        assert _containers(backend, session.spec.run_id) == []


@pytest.fixture(scope="module")
def probe_session(backend: DockerBackend, submission: Path) -> Iterator[WorkerSession]:
    """One worker for the tests that only look around (saves a container start each)."""
    session = WorkerSession(backend, WorkerSpec(submission, LIMITS, run_id=_run_id()))
    yield session
    session.close()
    assert _containers(backend, session.spec.run_id) == []


@pytest.fixture(scope="module")
def probe(probe_session: WorkerSession) -> Any:
    return probe_session.load("probe")


# ---------------------------------------------------------------- calls


def test_round_trip(probe: Any) -> None:
    assert probe.add(1, 2) == 3
    assert probe.add([1], [2, (3, 4)]) == [1, 2, (3, 4)]
    with pytest.raises(ValueError, match="boom"):
        probe.fail()


# ---------------------------------------------------------------- hardening, seen from inside


def test_unprivileged_user(probe: Any) -> None:
    uid, euid, gid, egid, groups = probe.ids()
    assert (uid, euid, gid, egid) == (65534, 65534, 65534, 65534)
    assert groups in ([], [65534])


def test_no_capabilities_and_no_new_privileges(probe: Any) -> None:
    status = probe.status()
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(status[field], 16) == 0, field
    assert status["NoNewPrivs"] == "1"
    assert status["Seccomp"] == "2"


def test_no_network(probe: Any) -> None:
    outcome = probe.network()
    assert outcome["connect"] != "ok"
    assert outcome["dns"] != "ok"
    assert outcome["interfaces"] == ["lo"]


def test_root_and_mounts_are_read_only(probe: Any) -> None:
    mounts = probe.mounts()
    for path in ("/", "/submission", "/run/grader"):
        assert "ro" in mounts[path].split(","), path
    for path in ("/etc/x", "/opt/x", "/opt/grader-worker/x", "/usr/lib/x", "/x", "/run/grader/x"):
        assert probe.write(path) in ("EROFS", "EACCES"), path
    assert probe.write("/submission/probe.py") == "EROFS"
    assert probe.write("/submission/new.py") == "EROFS"


def test_tmp_is_writable_but_capped(probe: Any) -> None:
    megabyte = 1024 * 1024
    assert probe.write("/tmp/small", megabyte) == "ok"
    # file_mb = 2: a bigger file is refused by RLIMIT_FSIZE (Python ignores SIGXFSZ).
    assert probe.write("/tmp/big", 3 * megabyte) == "EFBIG"
    # tmp_mb = 8: files under the size limit still run out of room.
    outcomes = [probe.write(f"/tmp/fill{i}", 2 * megabyte - 4096) for i in range(6)]
    assert "ENOSPC" in outcomes
    assert "/tmp" in probe.mounts()
    assert "noexec" in probe.mounts()["/tmp"].split(",")


def test_host_paths_are_not_visible(probe: Any, submission: Path) -> None:
    assert not probe.exists("/work")
    assert not probe.exists(str(submission))
    assert not probe.exists("/var/run/docker.sock")
    assert not probe.exists("/run/docker.sock")
    assert probe.listdir("/run/grader") == ["worker.sock"]
    assert probe.listdir("/submission") == ["probe.py"]
    assert not probe.exists("/opt/grader-worker/../../home/nobody")


def test_process_limit(probe: Any) -> None:
    started, error = probe.fork_many(LIMITS.pids + 8)
    assert error == "EAGAIN"
    assert started < LIMITS.pids


# ---------------------------------------------------------------- deaths


def test_memory_limit(make_session: Any) -> None:
    session = make_session()
    module = session.load("probe")
    with pytest.raises(WorkerMemory, match=r"memory limit \(128 MB\) exceeded"):
        module.hog(512)


def test_infinite_loop_times_out_and_only_its_process_goes(make_session: Any, backend: DockerBackend) -> None:
    session = make_session(Limits(call_seconds=1, memory_mb=128))
    module = session.load("probe")
    with pytest.raises(WorkerTimeout, match="time limit exceeded"):
        module.spin()
    session.finish_test()
    assert session.load("probe").add(1, 2) == 3  # the next test: a fresh child of the same zygote
    assert session.starts == 1 and len(_containers(backend, session.spec.run_id)) == 1
    session.close()
    assert _containers(backend, session.spec.run_id) == []


def test_crash_then_a_fresh_process(make_session: Any, backend: DockerBackend) -> None:
    session = make_session()
    module = session.load("probe")
    first = module.pid()
    with pytest.raises(WorkerCrashed, match="worker exited with code 3"):
        module.die(3)
    session.finish_test()
    module = session.load("probe")
    assert module.add(2, 2) == 4
    assert module.pid() != first
    assert session.starts == 1 and session.forks == 2
    assert len(_containers(backend, session.spec.run_id)) == 1


def test_nothing_a_test_leaves_reaches_the_next(make_session: Any) -> None:
    """Processes a test started and files it wrote in /tmp are gone before the next test's fork."""
    session = make_session()
    before = session.load("probe").processes()
    session.finish_test()
    assert "left-by-an-earlier-test" in session.load("probe").leave_behind()
    session.finish_test()
    module = session.load("probe")
    assert module.tmp_files() == []
    assert len(module.processes()) == len(before)  # init, the zygote, this test's process
    assert session.starts == 1


@pytest.mark.parametrize("number", [signal.SIGKILL, signal.SIGSEGV], ids=lambda s: s.name)
def test_killed_worker_is_reported(make_session: Any, number: signal.Signals) -> None:
    session = make_session()
    module = session.load("probe")
    with pytest.raises(WorkerCrashed, match=rf"killed \({number.name}\)"):
        module.signal_self(int(number))


# ---------------------------------------------------------------- containers


def test_cleanup_removes_leftovers(backend: DockerBackend, tmp_path: Path, submission: Path) -> None:
    tmp_path.chmod(0o755)
    run_id = _run_id()
    spec = WorkerSpec(submission, LIMITS, run_id=run_id)
    # Started but never connected to: what a harness killed mid-run leaves behind.
    backend.start(spec, tmp_path)
    backend.start(spec, tmp_path)
    assert len(_containers(backend, run_id)) == 2
    assert cleanup(run_id) == 2
    assert _containers(backend, run_id) == []
    assert cleanup(run_id) == 0


def test_close_is_idempotent(backend: DockerBackend, tmp_path: Path, submission: Path) -> None:
    tmp_path.chmod(0o755)
    worker = backend.start(WorkerSpec(submission, LIMITS, run_id=_run_id()), tmp_path)
    assert worker.death(0) is None
    worker.kill()
    death = worker.death(5)
    assert death is not None and "SIGKILL" in death.detail
    worker.kill()
    worker.close()
    worker.close()
    assert worker.state() is None


def test_describe(backend: DockerBackend, sandbox_tag: str) -> None:
    described = backend.describe()
    assert described["backend"] == "docker"
    assert described["isolated"] is True
    assert described["image"] == sandbox_tag
    assert described["image_digest"].startswith("sha256:")
    assert set(described["enforcement"]) >= {"memory", "processes", "file_size", "open_files"}


def test_image_contents(sandbox_tag: str) -> None:
    info = image_info(sandbox_tag)
    assert info.python_version.startswith("3.11.")
    assert info.packages["django"] == "5.2.19"
    assert info.packages["djangorestframework"] == "3.18.3"
    assert info.base_source in ("local", "pulled", "debootstrap")


def test_missing_image_is_a_sandbox_error() -> None:
    with pytest.raises(SandboxError, match=r"not found: run `grader image build`"):
        ensure_image("grader-sandbox:000000000000")


def test_doctor_passes(sandbox_tag: str) -> None:
    checks = run_doctor(sandbox_tag)
    failed = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    assert failed == []
    assert len(checks) >= 12


def test_no_container_is_left(backend: DockerBackend, probe_session: WorkerSession) -> None:
    # Runs last in this file: every other session has been closed by its fixture.
    runs = {c["Labels"].get(LABEL_RUN) for c in _containers(backend)}
    assert {run for run in runs if run and run.startswith("test-")} <= {probe_session.spec.run_id}
    probe_session.close()
    assert _containers(backend, probe_session.spec.run_id) == []
