"""The sandbox image: its content-addressed tag, how it is built and what it holds.

The tag is a hash of everything that goes into the image (Dockerfile, requirements, worker
shim), so grading always runs the worker code of this checkout or refuses to run at all.
Building needs no registry: the base is taken from the local engine, pulled if a registry
answers, or else made from Debian packages with debootstrap. Python packages come from a
host-side wheelhouse, and the Docker build itself runs without network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors
import requests.exceptions

from grader.errors import SandboxError, one_line
from grader.sandbox.base import WORKER_DIR, WORKER_FILES
from grader.sandbox.engine import docker_client

log = logging.getLogger(__name__)

SANDBOX_DIR = Path(__file__).resolve().parent
DOCKERFILE = SANDBOX_DIR / "Dockerfile"
REQUIREMENTS = SANDBOX_DIR / "requirements.txt"

IMAGE_REPOSITORY = "grader-sandbox"
DEFAULT_BASE = "python:3.11-slim"
DEBOOTSTRAP_BASE = "debootstrap"
"""Pass as `base` to skip the local/pull attempts and build the base from Debian packages."""
BASE_REPOSITORY = "grader-base"
DEBIAN_SUITE = "bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBOOTSTRAP_INCLUDE = ("python3",)
# Paths (relative to the root file system, globs allowed) that grading never needs.
ROOTFS_PRUNE = (
    "usr/share/doc/*",
    "usr/share/man/*",
    "usr/share/info/*",
    "usr/share/locale/*",
    "usr/share/lintian",
    "var/lib/apt/lists/*",
    "var/cache/apt/*",
    "var/cache/debconf/*-old",
    "var/log/*",
)
DEBOOTSTRAP_TIMEOUT = 1800.0

LABEL_SANDBOX = "grader.sandbox"
LABEL_SOURCE = "grader.source"
LABEL_PYTHON = "grader.python"
LABEL_PACKAGES = "grader.packages"
LABEL_BASE = "grader.base"
LABEL_BASE_SOURCE = "grader.base-source"
BASE_SOURCES = ("local", "pulled", "debootstrap")

WHEELHOUSE_ENV = "GRADER_WHEELHOUSE"
PIP_TIMEOUT = 600.0

LogFn = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One exact pin with the hashes a wheel for it may have."""

    name: str
    version: str
    hashes: tuple[str, ...]

    def line(self) -> str:
        hashes = (f"--hash=sha256:{h}" for h in self.hashes)
        return " ".join([f"{self.name}=={self.version}", *hashes])


# The pip that installs the requirements inside the build; it never reaches the image.
PIP_WHEEL = Requirement("pip", "26.3", ("f3b60b20ffaadd4415ed7957212a38ac63fa4c5fa375bd0f4a797777940fad13",))


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What a report records about the sandbox image."""

    tag: str
    digest: str
    """The image id (sha256:...): with no registry there is no repository digest."""
    python_version: str
    packages: dict[str, str]
    base: str
    base_source: str
    created: str
    size_bytes: int
    source: str
    """The content hash of the sources it was built from (the tag's suffix by default)."""

    @property
    def id(self) -> str:
        return self.digest

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}


# ---------------------------------------------------------------- helpers


def parse_requirements(text: str) -> tuple[Requirement, ...]:
    """`name==version --hash=sha256:...` lines (with `\\` continuations); nothing fancier."""
    joined = re.sub(r"\\\n", " ", text)
    result: list[Requirement] = []
    for raw in joined.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        if match is None:
            raise SandboxError(f"requirements: not an exact pin: {line[:80]}")
        hashes = tuple(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
        if not hashes:
            raise SandboxError(f"requirements: {match.group(1)} has no --hash=sha256")
        result.append(Requirement(match.group(1).lower(), match.group(2), hashes))
    return tuple(result)


def load_requirements(path: Path | None = None) -> tuple[Requirement, ...]:
    return parse_requirements((path or REQUIREMENTS).read_text(encoding="utf-8"))


def compute_image_tag(
    dockerfile: Path | None = None,
    requirements: Path | None = None,
    worker_dir: Path | None = None,
) -> str:
    """`grader-sandbox:<12 hex>`, a hash of every file that goes into the image."""
    worker = worker_dir or WORKER_DIR
    inputs: list[tuple[str, Path]] = [
        ("Dockerfile", dockerfile or DOCKERFILE),
        ("requirements.txt", requirements or REQUIREMENTS),
        *((f"worker/{name}", worker / name) for name in WORKER_FILES),
    ]
    digest = hashlib.sha256()
    for label, path in inputs:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SandboxError(f"cannot read {path}: {exc.strerror}") from None
        # Name and length first, so moving bytes from one file to the next changes the hash.
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)
    digest.update(PIP_WHEEL.line().encode())
    return f"{IMAGE_REPOSITORY}:{digest.hexdigest()[:12]}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _default_log(message: str) -> None:
    log.info("%s", message)


# ---------------------------------------------------------------- wheelhouse


def default_wheelhouse() -> Path:
    configured = os.environ.get(WHEELHOUSE_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "grader" / "wheelhouse"


def find_wheels(wheelhouse: Path, requirements: Sequence[Requirement]) -> tuple[dict[str, Path], list[Requirement]]:
    """The wheel file of each requirement (matched by hash) and the requirements with none."""
    by_hash: dict[str, Path] = {}
    if wheelhouse.is_dir():
        for path in sorted(wheelhouse.glob("*.whl")):
            by_hash.setdefault(_sha256(path), path)
    found: dict[str, Path] = {}
    missing: list[Requirement] = []
    for requirement in requirements:
        match = next((by_hash[h] for h in requirement.hashes if h in by_hash), None)
        if match is None:
            missing.append(requirement)
        else:
            found[requirement.name] = match
    return found, missing


def pinned_pip_wheel(path: Path | None = None, log: LogFn | None = None) -> Path:
    """The pinned pip wheel, from the wheelhouse (downloaded there if it lacks it): pip runs from it
    where a Python has no ensurepip (the image build; a Gradescope autograder's setup)."""
    return _fill(path or default_wheelhouse(), [PIP_WHEEL], log or _default_log)[PIP_WHEEL.name]


def fill_wheelhouse(
    path: Path | None = None,
    log: LogFn | None = None,
    requirements: Path | None = None,
) -> dict[str, Path]:
    """Download (on the host, with its pip) the pinned wheels the wheelhouse lacks.

    Returns the wheel of every requirement and of pip, by name.
    """
    return _fill(path or default_wheelhouse(), [*load_requirements(requirements), PIP_WHEEL], log or _default_log)


def _fill(wheelhouse: Path, wanted: Sequence[Requirement], say: LogFn) -> dict[str, Path]:
    found, missing = find_wheels(wheelhouse, wanted)
    if not missing:
        return found
    wheelhouse.mkdir(parents=True, exist_ok=True)
    say(f"downloading {', '.join(r.name for r in missing)} into {wheelhouse}")
    with tempfile.TemporaryDirectory(prefix="grader-req-") as scratch:
        listing = Path(scratch) / "requirements.txt"
        listing.write_text("".join(r.line() + "\n" for r in missing), encoding="utf-8")
        command = [
            sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
            "--only-binary=:all:", "--no-deps", "--python-version", "3.11",
            "-r", str(listing), "-d", str(wheelhouse),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxError(f"pip download failed: {one_line(exc)}") from None
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        reason = lines[-1].strip() if lines else f"exit code {done.returncode}"
        raise SandboxError(f"pip download into {wheelhouse} failed: {reason}")
    found, missing = find_wheels(wheelhouse, wanted)
    if missing:
        names = ", ".join(r.name for r in missing)
        raise SandboxError(f"wheelhouse {wheelhouse} has no wheel with the pinned hash for {names}")
    return found


# ---------------------------------------------------------------- base image


def _image_exists(client: Any, name: str) -> bool:
    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def _try_pull(client: Any, name: str, say: LogFn) -> bool:
    repository, _, tag = name.partition(":")
    try:
        for event in client.api.pull(repository, tag=tag or "latest", stream=True, decode=True):
            if isinstance(event, dict) and event.get("error"):
                say(f"cannot pull {name}: {str(event['error']).strip()[:200]}")
                return False
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        say(f"cannot pull {name}: {one_line(exc, 200)}")
        return False
    return _image_exists(client, name)


def debootstrap_base_tag() -> str:
    """`grader-base:bookworm-<hash>`: the hash of how the root file system is made."""
    recipe = json.dumps(
        {"suite": DEBIAN_SUITE, "variant": "minbase", "include": DEBOOTSTRAP_INCLUDE,
         "prune": ROOTFS_PRUNE},
        sort_keys=True,
    )  # fmt: skip
    return f"{BASE_REPOSITORY}:{DEBIAN_SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def _prune_rootfs(root: Path) -> None:
    for pattern in ROOTFS_PRUNE:
        for path in root.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def build_debootstrap_base(client: Any, mirror: str = DEBIAN_MIRROR, log: LogFn | None = None) -> str:
    """Make (or reuse) a minimal Debian base with python3 and return its tag."""
    say = log or _default_log
    tag = debootstrap_base_tag()
    if _image_exists(client, tag):
        say(f"reusing base image {tag}")
        return tag
    program = shutil.which("debootstrap")
    if program is None:
        raise SandboxError(
            "no base image and no registry: building one from Debian packages needs debootstrap"
            " (apt-get install debootstrap)"
        )
    if os.geteuid() != 0:
        raise SandboxError("building the base image with debootstrap needs root")
    with tempfile.TemporaryDirectory(prefix="grader-rootfs-") as scratch:
        root = Path(scratch) / "rootfs"
        say(f"debootstrap {DEBIAN_SUITE} from {mirror} (about a minute)")
        started = time.monotonic()
        command = [
            program, "--variant=minbase", f"--include={','.join(DEBOOTSTRAP_INCLUDE)}",
            DEBIAN_SUITE, str(root), mirror,
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=DEBOOTSTRAP_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxError(f"debootstrap failed: {one_line(exc)}") from None
        if done.returncode != 0:
            lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
            reason = lines[-1].strip() if lines else f"exit code {done.returncode}"
            raise SandboxError(f"debootstrap failed: {reason[:300]}")
        say(f"debootstrap done in {time.monotonic() - started:.0f} s")
        _prune_rootfs(root)
        archive = Path(scratch) / "rootfs.tar"
        try:
            subprocess.run(
                ["tar", "--numeric-owner", "-C", str(root), "-cf", str(archive), "."],
                capture_output=True, text=True, timeout=600, check=True,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            raise SandboxError(f"cannot archive the root file system: {one_line(exc)}") from None
        repository, _, version = tag.partition(":")
        say(f"importing {tag}")
        try:
            client.api.import_image(
                src=str(archive),
                repository=repository,
                tag=version,
                changes=[
                    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "ENV LANG=C.UTF-8",
                    'CMD ["python3"]',
                ],
            )
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            raise SandboxError(f"docker import of the base image failed: {one_line(exc)}") from None
    return tag


def _resolve_base(client: Any, base: str | None, mirror: str, say: LogFn) -> tuple[str, str]:
    """(image to build FROM, how it was obtained)."""
    if base == DEBOOTSTRAP_BASE:
        return build_debootstrap_base(client, mirror, say), "debootstrap"
    name = base or DEFAULT_BASE
    if _image_exists(client, name):
        return name, "local"
    say(f"base image {name} is not present; trying to pull it")
    if _try_pull(client, name, say):
        return name, "pulled"
    if base is not None:
        # An explicitly chosen base is not silently replaced by another one.
        raise SandboxError(f"base image {name} is neither present nor pullable")
    say("falling back to a Debian base built with debootstrap")
    return build_debootstrap_base(client, mirror, say), "debootstrap"


def _base_python_version(client: Any, base: str) -> str:
    script = "import sys; print('%d.%d.%d' % sys.version_info[:3])"
    try:
        output = client.containers.run(base, ["python3", "-c", script], remove=True, network_mode="none")
    except docker.errors.ContainerError as exc:
        raise SandboxError(f"base image {base} has no working python3: {one_line(exc)}") from None
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"cannot run the base image {base}: {one_line(exc)}") from None
    version = bytes(output).decode("ascii", "replace").strip()
    if not re.fullmatch(r"3\.\d+\.\d+", version):
        raise SandboxError(f"base image {base}: unexpected python version {version[:40]!r}")
    return version


# ---------------------------------------------------------------- build


LABEL_LINE = 'LABEL grader.sandbox="1"'


def _dockerfile_with_labels(labels: dict[str, str]) -> str:
    """The Dockerfile with the recorded facts added to its one LABEL line.

    One line, not the SDK's `labels=` (one build step, so one container commit, per label).
    """
    text = DOCKERFILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines.count(LABEL_LINE) != 1:
        raise SandboxError(f"{DOCKERFILE} must have exactly one line {LABEL_LINE!r}")
    extra = " ".join(f"{key}={json.dumps(value)}" for key, value in sorted(labels.items()))
    return "\n".join(f"{line} {extra}" if line == LABEL_LINE else line for line in lines) + "\n"


def _assemble_context(context: Path, wheels: dict[str, Path], labels: dict[str, str]) -> None:
    (context / "Dockerfile").write_text(_dockerfile_with_labels(labels), encoding="utf-8")
    build = context / "build"
    (build / "wheels").mkdir(parents=True)
    (build / "worker").mkdir()
    shutil.copy2(REQUIREMENTS, build / "requirements.txt")
    for name, path in wheels.items():
        # pip runs from its wheel under a fixed name; it is not one of the packages to install.
        if name == PIP_WHEEL.name:
            shutil.copy2(path, build / "pip.whl")
        else:
            shutil.copy2(path, build / "wheels" / path.name)
    for name in WORKER_FILES:
        shutil.copy2(WORKER_DIR / name, build / "worker" / name)


VERIFY_SCRIPT = """\
import importlib.util, json, sys
import django, rest_framework, asgiref, sqlparse
leaked = [m for m in ("pytest", "_pytest", "hypothesis", "grader") if importlib.util.find_spec(m)]
print(json.dumps({"leaked": leaked, "uid": __import__("os").getuid()}))
"""


def _verify_image(client: Any, tag: str) -> None:
    """Run the new image as the worker runs: the packages import, nothing else is there."""
    try:
        output = client.containers.run(
            tag,
            ["python3", "-s", "-P", "-B", "-c", VERIFY_SCRIPT],
            remove=True,
            network_mode="none",
            read_only=True,
        )
        facts = json.loads(bytes(output).decode("utf-8"))
    except docker.errors.ContainerError as exc:
        stderr = bytes(exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        reason = stderr[-1] if stderr else one_line(exc)
        raise SandboxError(f"the new image {tag} is broken: {reason[:300]}") from None
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"cannot run the new image {tag}: {one_line(exc)}") from None
    except ValueError:
        raise SandboxError(f"the new image {tag} is broken: unreadable self-check") from None
    if facts.get("leaked"):
        raise SandboxError(f"the new image {tag} contains {', '.join(facts['leaked'])}")
    if facts.get("uid") == 0:
        raise SandboxError(f"the new image {tag} runs as root")


def build_image(
    base: str | None = None,
    tag: str | None = None,
    wheelhouse: Path | None = None,
    log: LogFn | None = None,
    *,
    client: Any = None,
    mirror: str = DEBIAN_MIRROR,
) -> ImageInfo:
    """Build the sandbox image (no network inside the build) and return what it holds."""
    say = log or _default_log
    target = tag or compute_image_tag()
    requirements = load_requirements()
    wheels = fill_wheelhouse(wheelhouse, say)
    engine = docker_client(client)
    try:
        base_image, base_source = _resolve_base(engine, base, mirror, say)
        python_version = _base_python_version(engine, base_image)
        labels = {
            # The content hash even under another tag: what `grader doctor` compares.
            LABEL_SOURCE: compute_image_tag().partition(":")[2],
            LABEL_PYTHON: python_version,
            LABEL_PACKAGES: json.dumps({r.name: r.version for r in requirements}, sort_keys=True),
            LABEL_BASE: base_image,
            LABEL_BASE_SOURCE: base_source,
        }
        say(f"building {target} from {base_image} ({base_source})")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="grader-context-") as scratch:
            context = Path(scratch)
            _assemble_context(context, wheels, labels)
            _run_build(engine, context, target, base_image, say)
        _verify_image(engine, target)
        say(f"built {target} in {time.monotonic() - started:.0f} s")
        return image_info(target, client=engine)
    finally:
        if client is None:
            engine.close()


def _run_build(client: Any, context: Path, tag: str, base: str, say: LogFn) -> None:
    # The first stage's image (wheels, pip, staged files) is of no use after the build: the
    # next build has another context. Its id is the last " ---> id" before the second FROM.
    froms = 0
    previous_from = False
    stage: str | None = None
    try:
        stream = client.api.build(
            path=str(context),
            tag=tag,
            rm=True,
            forcerm=True,
            pull=False,
            network_mode="none",
            buildargs={"BASE": base},
            decode=True,
        )
        for event in stream:
            if not isinstance(event, dict):
                continue
            if event.get("error"):
                text = str(event["error"]).strip().splitlines()
                raise SandboxError(f"image build failed: {(text[-1] if text else '?')[:300]}")
            for line in str(event.get("stream", "")).splitlines():
                if re.match(r"Step \d+/\d+ : FROM ", line):
                    froms += 1
                    previous_from = True
                    continue
                made = re.fullmatch(r"\s*---> ([0-9a-f]{12,64})\s*", line)
                if made and froms == 1 and not previous_from:
                    stage = made.group(1)
                previous_from = previous_from and not made
                if line.strip():
                    say(line.rstrip())
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"image build failed: {one_line(exc)}") from None
    if stage is not None:
        _remove_if_untagged(client, stage)


def _remove_if_untagged(client: Any, image_id: str) -> None:
    """Best effort: an image nobody tagged (never the base, never another's image)."""
    try:
        attrs = client.api.inspect_image(image_id)
        if not attrs.get("RepoTags"):
            client.api.remove_image(attrs["Id"])
    except (docker.errors.DockerException, requests.exceptions.RequestException):
        pass


# ---------------------------------------------------------------- inspection


def _not_found(tag: str) -> SandboxError:
    return SandboxError(f"sandbox image {tag} not found: run `grader image build`")


def _probe_versions(client: Any, image_id: str) -> tuple[str, dict[str, str]]:
    """For an image without our labels: ask its python (a short container)."""
    script = (
        "import json, sys, importlib.metadata as m\n"
        "names = ('django', 'djangorestframework', 'asgiref', 'sqlparse')\n"
        "def v(n):\n"
        "    try: return m.version(n)\n"
        "    except Exception: return None\n"
        "print(json.dumps(['%d.%d.%d' % sys.version_info[:3], {n: v(n) for n in names}]))\n"
    )
    try:
        output = client.containers.run(image_id, ["python3", "-c", script], remove=True, network_mode="none")
        version, packages = json.loads(bytes(output).decode("utf-8"))
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"cannot inspect the sandbox image: {one_line(exc)}") from None
    except ValueError:
        raise SandboxError("cannot inspect the sandbox image: unreadable answer") from None
    return str(version), {str(k): str(v) for k, v in packages.items() if v is not None}


def _image_attrs(client: Any, tag: str) -> dict[str, Any]:
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        raise _not_found(tag) from None
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
    attrs: dict[str, Any] = image.attrs
    return attrs


def image_info(tag: str | None = None, *, client: Any = None) -> ImageInfo:
    """What the image `tag` (default: this checkout's) holds; SandboxError if it is absent."""
    target = tag or compute_image_tag()
    engine = docker_client(client)
    try:
        attrs = _image_attrs(engine, target)
        labels: dict[str, str] = (attrs.get("Config") or {}).get("Labels") or {}
        python_version = labels.get(LABEL_PYTHON, "")
        try:
            packages = {str(k): str(v) for k, v in json.loads(labels[LABEL_PACKAGES]).items()}
        except (KeyError, ValueError, AttributeError):
            packages = {}
        if not python_version or not packages:
            python_version, packages = _probe_versions(engine, str(attrs["Id"]))
        return ImageInfo(
            tag=target,
            digest=str(attrs["Id"]),
            python_version=python_version,
            packages=packages,
            base=labels.get(LABEL_BASE, "unknown"),
            base_source=labels.get(LABEL_BASE_SOURCE, "unknown"),
            created=str(attrs.get("Created", "")),
            size_bytes=int(attrs.get("Size") or 0),
            source=labels.get(LABEL_SOURCE, "unknown"),
        )
    finally:
        if client is None:
            engine.close()


def ensure_image(tag: str | None = None, *, client: Any = None) -> ImageInfo:
    """The grading path's check: the image exists (never built implicitly) and is ours."""
    target = tag or compute_image_tag()
    engine = docker_client(client)
    try:
        labels = (_image_attrs(engine, target).get("Config") or {}).get("Labels") or {}
        if labels.get(LABEL_SANDBOX) != "1":
            raise SandboxError(f"image {target} is not a grader sandbox image")
        return image_info(target, client=engine)
    finally:
        if client is None:
            engine.close()
