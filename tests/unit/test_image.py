"""The sandbox image and the docker backend's options, without a Docker engine."""

from __future__ import annotations

import hashlib
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Any

import docker.errors
import pytest
from docker.types import HostConfig

from grader.errors import SandboxError
from grader.sandbox import engine, image
from grader.sandbox.base import WORKER_DIR, WORKER_FILES, DeathKind, Limits, WorkerSpec
from grader.sandbox.docker import DockerBackend, EngineSupport, describe_exit
from grader.sandbox.image import (
    DOCKERFILE,
    PIP_WHEEL,
    REQUIREMENTS,
    compute_image_tag,
    ensure_image,
    fill_wheelhouse,
    find_wheels,
    load_requirements,
    parse_requirements,
)
from grader.sandbox.local import PYTHON_FLAGS, worker_environment

# ---------------------------------------------------------------- the tag


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    """A copy of everything the tag is computed from."""
    worker = tmp_path / "worker"
    worker.mkdir()
    for name in WORKER_FILES:
        shutil.copy2(WORKER_DIR / name, worker / name)
    shutil.copy2(DOCKERFILE, tmp_path / "Dockerfile")
    shutil.copy2(REQUIREMENTS, tmp_path / "requirements.txt")
    return {
        "dockerfile": tmp_path / "Dockerfile",
        "requirements": tmp_path / "requirements.txt",
        "worker_dir": worker,
    }


def test_tag_is_content_addressed(sources: dict[str, Path]) -> None:
    tag = compute_image_tag(**sources)
    assert re.fullmatch(r"grader-sandbox:[0-9a-f]{12}", tag)
    assert tag == compute_image_tag()  # the copy has the same content as the originals
    assert compute_image_tag(**sources) == tag


@pytest.mark.parametrize("changed", [*(f"worker/{name}" for name in WORKER_FILES), "Dockerfile"])
def test_tag_changes_with_any_input(sources: dict[str, Path], changed: str) -> None:
    before = compute_image_tag(**sources)
    path = sources["dockerfile"].parent / changed
    path.write_text(path.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert compute_image_tag(**sources) != before


def test_tag_changes_with_requirements(sources: dict[str, Path]) -> None:
    before = compute_image_tag(**sources)
    path = sources["requirements"]
    path.write_text(path.read_text(encoding="utf-8").replace("0.6.1", "0.6.2"), encoding="utf-8")
    assert compute_image_tag(**sources) != before


def test_missing_source_is_a_sandbox_error(sources: dict[str, Path]) -> None:
    (sources["worker_dir"] / WORKER_FILES[0]).unlink()
    with pytest.raises(SandboxError, match="cannot read"):
        compute_image_tag(**sources)


# ---------------------------------------------------------------- requirements and wheels


def test_shipped_requirements_are_pinned_with_hashes() -> None:
    pins = {r.name: r for r in load_requirements()}
    assert pins["django"].version == "5.2.19"
    assert pins["djangorestframework"].version == "3.18.3"
    assert {"asgiref", "sqlparse"} <= set(pins)
    assert not {"pytest", "hypothesis", "pip"} & set(pins)
    assert all(r.hashes and all(len(h) == 64 for h in r.hashes) for r in pins.values())


def test_requirements_without_pin_or_hash_are_refused() -> None:
    with pytest.raises(SandboxError, match="not an exact pin"):
        parse_requirements("django>=5\n")
    with pytest.raises(SandboxError, match="no --hash"):
        parse_requirements("django==5.2.19\n")
    parsed = parse_requirements("# comment\nfoo==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n")
    assert parsed == (image.Requirement("foo", "1.0", ("a" * 64,)),)


def _fake_wheel(folder: Path, name: str, content: bytes) -> tuple[Path, str]:
    path = folder / f"{name}-1.0-py3-none-any.whl"
    path.write_bytes(content)
    return path, hashlib.sha256(content).hexdigest()


def test_wheels_are_matched_by_hash(tmp_path: Path) -> None:
    good, good_hash = _fake_wheel(tmp_path, "good", b"good")
    _, _ = _fake_wheel(tmp_path, "tampered", b"tampered")
    wanted = [
        image.Requirement("good", "1.0", (good_hash,)),
        image.Requirement("tampered", "1.0", ("0" * 64,)),
    ]
    found, missing = find_wheels(tmp_path, wanted)
    assert found == {"good": good}
    assert [r.name for r in missing] == ["tampered"]


def test_fill_wheelhouse_downloads_only_what_is_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    house = tmp_path / "house"
    house.mkdir()
    _, present_hash = _fake_wheel(house, "present", b"present")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        f"present==1.0 --hash=sha256:{present_hash}\nabsent==2.0 --hash=sha256:{'b' * 64}\n",
        encoding="utf-8",
    )
    asked: list[str] = []

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        asked.append(Path(command[command.index("-r") + 1]).read_text(encoding="utf-8"))
        assert "--only-binary=:all:" in command and "--no-deps" in command
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(image.subprocess, "run", fake_run)
    # The fake pip downloads nothing, so the wheelhouse stays incomplete: a clear error.
    with pytest.raises(SandboxError, match="no wheel with the pinned hash for absent, pip"):
        fill_wheelhouse(house, requirements=requirements, log=lambda _: None)
    assert len(asked) == 1
    assert "absent==2.0" in asked[0] and PIP_WHEEL.line() in asked[0]
    assert "present" not in asked[0]


def test_failed_download_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, "", "Looking in indexes\nERROR: no net\n")

    monkeypatch.setattr(image.subprocess, "run", fake_run)
    with pytest.raises(SandboxError, match=r"pip download into .* failed: ERROR: no net$"):
        fill_wheelhouse(tmp_path, log=lambda _: None)


def test_default_wheelhouse(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADER_WHEELHOUSE", str(tmp_path))
    assert image.default_wheelhouse() == tmp_path
    monkeypatch.delenv("GRADER_WHEELHOUSE")
    assert image.default_wheelhouse() == Path.home() / ".cache" / "grader" / "wheelhouse"


def test_dockerfile_gets_one_label_line() -> None:
    text = image._dockerfile_with_labels({"grader.python": "3.11.2", "grader.packages": '{"a": "1"}'})
    lines = [line for line in text.splitlines() if line.startswith("LABEL")]
    assert lines == ['LABEL grader.sandbox="1" grader.packages="{\\"a\\": \\"1\\"}" grader.python="3.11.2"']


def test_dockerfile_is_offline_and_unprivileged() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "USER 65534:65534" in text and "WORKDIR /tmp" in text
    assert "--require-hashes" in text and "--no-index" in text
    # Only the staged files reach the final stage: no wheels, no pip, no build context.
    final = text.split("AS install", 1)[1].split("\nFROM ", 1)[1]
    assert "COPY --from=install /staging/ /" in final
    assert "build/" not in final


# ---------------------------------------------------------------- fake engine


class FakeImage:
    def __init__(self, labels: dict[str, str]) -> None:
        self.attrs = {
            "Id": "sha256:" + "c" * 64,
            "Created": "2026-01-01T00:00:00Z",
            "Size": 123,
            "Config": {"Labels": labels},
        }


class FakeImages:
    def __init__(self, known: dict[str, FakeImage]) -> None:
        self.known = known

    def get(self, name: str) -> FakeImage:
        if name not in self.known:
            raise docker.errors.ImageNotFound(f"No such image: {name}")
        return self.known[name]


class FakeAPI:
    def __init__(self) -> None:
        self.created: list[dict[str, Any]] = []
        self.started: list[str] = []

    def create_host_config(self, **options: Any) -> HostConfig:
        return HostConfig(version="1.41", **options)

    def create_container(self, **options: Any) -> dict[str, str]:
        self.created.append(options)
        return {"Id": "f" * 64}

    def start(self, container: str) -> None:
        self.started.append(container)


class FakeClient:
    def __init__(self, info: dict[str, Any], images: dict[str, FakeImage]) -> None:
        self._info = info
        self.images = FakeImages(images)
        self.api = FakeAPI()

    def info(self) -> dict[str, Any]:
        return self._info

    def close(self) -> None:
        pass


LABELS = {
    "grader.sandbox": "1",
    "grader.python": "3.11.2",
    "grader.packages": '{"django": "5.2.19"}',
    "grader.base": "grader-base:bookworm-x",
    "grader.base-source": "debootstrap",
    "grader.source": "0123456789ab",
}
FULL_SUPPORT = {"MemoryLimit": True, "SwapLimit": True, "PidsLimit": True, "CpuCfsQuota": True}
TAG = "grader-sandbox:0123456789ab"


def _client(info: dict[str, Any] | None = None) -> FakeClient:
    return FakeClient(FULL_SUPPORT if info is None else info, {TAG: FakeImage(LABELS)})


def test_missing_image_is_one_clear_error() -> None:
    with pytest.raises(SandboxError) as caught:
        ensure_image("grader-sandbox:ffffffffffff", client=_client())
    assert str(caught.value) == ("sandbox image grader-sandbox:ffffffffffff not found: run `grader image build`")


def test_foreign_image_is_refused() -> None:
    client = FakeClient(FULL_SUPPORT, {TAG: FakeImage({})})
    with pytest.raises(SandboxError, match="not a grader sandbox image"):
        ensure_image(TAG, client=client)


def test_image_info_from_labels() -> None:
    info = ensure_image(TAG, client=_client())
    assert info.digest == info.id == "sha256:" + "c" * 64
    assert info.python_version == "3.11.2"
    assert info.packages == {"django": "5.2.19"}
    assert info.base_source == "debootstrap"
    assert info.source == "0123456789ab"


def test_unreachable_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: Any) -> None:
        raise docker.errors.DockerException("Error while fetching server API version: refused")

    monkeypatch.setattr(engine.docker, "from_env", refuse)
    with pytest.raises(SandboxError, match=r"^Docker engine not reachable: Error while fetching"):
        engine.docker_client()


def test_debootstrap_missing_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image.shutil, "which", lambda _: None)
    with pytest.raises(SandboxError, match=r"needs debootstrap \(apt-get install debootstrap\)"):
        image.build_debootstrap_base(_client(), log=lambda _: None)


# ---------------------------------------------------------------- the backend's options


def _spec(tmp_path: Path, driver: bool = False) -> WorkerSpec:
    tmp_path.chmod(0o755)  # used as the socket folder
    (tmp_path / "sub").mkdir(exist_ok=True)
    (tmp_path / "driver").mkdir(exist_ok=True)
    return WorkerSpec(
        tmp_path / "sub",
        Limits(memory_mb=200, pids=40, file_mb=3, nofile=70, tmp_mb=9, cpus=0.5),
        run_id="run/1",
        driver_dir=tmp_path / "driver" if driver else None,
        labels={"grader.challenge": "toy"},
    )


def test_container_options(tmp_path: Path) -> None:
    client = _client()
    backend = DockerBackend(TAG, client=client)
    worker = backend.start(_spec(tmp_path, driver=True), tmp_path)
    (created,) = client.api.created
    assert client.api.started == [worker.id]
    assert created["image"] == "sha256:" + "c" * 64  # exactly the checked image
    assert created["user"] == "65534:65534"
    assert created["environment"] == worker_environment()
    assert created["command"][:4] == ["python3", *PYTHON_FLAGS]
    assert "-I" not in created["command"]
    assert created["command"][4:] == [
        "/opt/grader-worker/main.py", "--socket", "/run/grader/worker.sock",
        "--submission", "/submission", "--output-cap", str(64 * 1024), "--contained", "--driver", "/driver",
        "--memory-mb", "200",  # the in-process rlimit is always on, under the cgroup limit
    ]  # fmt: skip
    assert created["labels"] == {
        "grader.challenge": "toy", "grader.managed": "1", "grader.run": "run/1",
    }  # fmt: skip
    assert re.fullmatch(r"grader-run-1-[0-9a-f]{10}", created["name"])
    host = created["host_config"]
    assert host["NetworkMode"] == "none"
    assert host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"]
    assert host["SecurityOpt"] == ["no-new-privileges"]
    assert host["Memory"] == host["MemorySwap"] == 200 * 1024 * 1024
    assert host["PidsLimit"] == 40
    assert host["NanoCpus"] == 500_000_000
    assert host["Init"] is True
    assert host["LogConfig"]["Type"] == "none"
    assert host.get("AutoRemove", False) is False
    assert host["Tmpfs"]["/tmp"].startswith("rw,size=9m,")
    ulimits = {u["Name"]: (u["Soft"], u["Hard"]) for u in host["Ulimits"]}
    assert ulimits["nofile"] == (70, 70)
    assert ulimits["fsize"] == (3 * 1024 * 1024,) * 2
    assert ulimits["core"] == (0, 0)
    mounts = {m["Target"]: (m["Source"], m["ReadOnly"]) for m in host["Mounts"]}
    assert mounts == {
        "/submission": (str(tmp_path / "sub"), True),
        "/driver": (str(tmp_path / "driver"), True),
        "/run/grader": (str(tmp_path), True),
    }


def test_fallback_when_the_engine_cannot_limit(tmp_path: Path) -> None:
    limited = {"MemoryLimit": True, "SwapLimit": False, "PidsLimit": False, "CpuCfsQuota": False}
    client = _client(limited)
    backend = DockerBackend(TAG, client=client)
    backend.start(_spec(tmp_path), tmp_path)
    (created,) = client.api.created
    assert created["command"][-2:] == ["--memory-mb", "200"]
    host = created["host_config"]
    assert "PidsLimit" not in host and "NanoCpus" not in host
    assert {u["Name"]: u["Soft"] for u in host["Ulimits"]}["nproc"] == 40
    enforcement = backend.describe()["enforcement"]
    assert enforcement["memory"].startswith("rlimit")
    assert enforcement["processes"].startswith("rlimit")


def test_full_support_needs_no_fallback() -> None:
    support = EngineSupport.from_info(FULL_SUPPORT)
    assert support.memory_enforced
    assert support.enforcement()["memory"].startswith("cgroup")


def test_unmountable_folders_are_refused(tmp_path: Path) -> None:
    client = _client()
    backend = DockerBackend(TAG, client=client)
    spec = _spec(tmp_path)
    with pytest.raises(SandboxError, match="No such file"):
        backend.start(WorkerSpec(tmp_path / "nowhere", Limits(), run_id="r"), tmp_path)
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(SandboxError, match="not a folder"):
        backend.start(WorkerSpec(tmp_path / "file", Limits(), run_id="r"), tmp_path)
    spec.submission_dir.chmod(0o700)
    with pytest.raises(SandboxError, match=r"uid 65534\) cannot read it"):
        backend.start(spec, tmp_path)
    assert client.api.created == []


# ---------------------------------------------------------------- how containers end


def test_describe_exit() -> None:
    limits = Limits(memory_mb=128, file_mb=2)
    oom = describe_exit(137, True, limits)
    assert (oom.kind, oom.detail) == (DeathKind.MEMORY, "memory limit (128 MB) exceeded")
    killed = describe_exit(128 + signal.SIGKILL, False, limits)
    assert (killed.kind, killed.detail) == (DeathKind.CRASHED, "worker killed (SIGKILL)")
    assert describe_exit(128 + signal.SIGSEGV, False, limits).detail == "worker killed (SIGSEGV)"
    assert describe_exit(128 + signal.SIGXCPU, False, limits).kind is DeathKind.TIMEOUT
    assert describe_exit(3, False, limits).detail == "worker exited with code 3"


def test_worker_environment_bounds_malloc_arenas() -> None:
    """Threads must not each reserve a 64 MiB arena under the worker's address-space limit."""
    assert worker_environment()["MALLOC_ARENA_MAX"] == "2"
