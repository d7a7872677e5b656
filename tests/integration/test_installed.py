"""The product as users get it: a wheel installed outside the checkout, and hand-outs in fresh venvs.

Each venv is made with `python -m venv` and filled by pip from the package index, exactly as a user
would; nothing is imported from this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import discover, load_challenge
from grader.handout import write_handout
from grader.sandbox.image import pinned_pip_wheel
from tests.conftest import FILES, docker_unavailable

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def make_venv(where: Path, *install: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", *install], check=True, timeout=900)
    return python


def clean_env(**extra: str) -> dict[str, str]:
    """No PYTHONPATH or GRADER_* from the caller: the installed product must stand alone."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GRADER_", "VIRTUAL_ENV"))}
    return {**keep, **extra}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout."""
    base = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(base / "dist"), str(ROOT)],
        check=True,
        timeout=600,
    )
    (built,) = (base / "dist").glob("grader-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `grader` script of the wheel installed in a fresh venv."""
    python = make_venv(tmp_path_factory.mktemp("venv") / "venv", str(wheel))
    yield python.parent / "grader"


def run_installed(grader: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(grader), *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=900, check=False
    )


def test_the_installed_wheel_lists_the_bank_and_renders_every_format(installed: Path, tmp_path: Path) -> None:
    listed = run_installed(installed, "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == len(discover()) == 30
    shown = run_installed(installed, "show", "lru-cache", cwd=tmp_path)
    assert "LRU" in shown.stdout
    graded = run_installed(
        installed,
        "grade", str(FILES / "samples" / "lru_cache_partial.py"), "--challenge", "lru-cache",
        "--sandbox", "local", "--out", str(tmp_path / "out"), "--format", "html,md,json,junit",
        cwd=tmp_path,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    assert "lru-cache: 17/20" in graded.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"result.json", "report.html", "report.md", "junit.xml"}
    report = run_installed(
        installed, "report", str(tmp_path / "out" / "result.json"), "--format", "html", "--out", str(tmp_path / "r"),
        cwd=tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    empty = tmp_path / "empty-bank"
    empty.mkdir()
    nothing = run_installed(installed, "--bank", str(empty), "list", cwd=tmp_path)
    assert nothing.returncode == 2
    assert "no challenges in this bank" in nothing.stderr


@pytest.mark.docker
def test_the_installed_wheel_grades_in_docker(installed: Path, tmp_path: Path) -> None:
    if shutil.which("docker") is None:
        docker_unavailable("no docker client")
    graded = run_installed(
        installed,
        "grade", str(FILES / "samples" / "lru_cache_partial.py"), "--challenge", "lru-cache", "--out",
        str(tmp_path / "out"),
        cwd=tmp_path,
    )  # fmt: skip
    if graded.returncode == 3:
        docker_unavailable(graded.stderr.strip())
    assert graded.returncode == 0, graded.stderr
    assert "lru-cache: 17/20" in graded.stdout


@pytest.fixture(scope="module")
def handout_pythons(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One fresh venv per distinct requirements.txt the bank's hand-outs ask for."""
    base = tmp_path_factory.mktemp("handout-venvs")
    pythons: dict[str, Path] = {}
    for folder in discover():
        dest = base / "probe" / folder.name
        write_handout(load_challenge(folder), dest)
        requirements = (dest / "requirements.txt").read_text()
        if requirements not in pythons:
            pythons[requirements] = make_venv(base / f"venv{len(pythons)}", "-r", str(dest / "requirements.txt"))
    return pythons


@pytest.mark.parametrize("folder", discover(), ids=[f.name for f in discover()])
def test_a_handout_runs_with_plain_pytest(folder: Path, tmp_path: Path, handout_pythons: dict[str, Path]) -> None:
    challenge = load_challenge(folder)
    dest = tmp_path / challenge.slug
    write_handout(challenge, dest)
    python = handout_pythons[(dest / "requirements.txt").read_text()]

    def pytest_in_handout() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=dest, env=clean_env(), capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip

    stub = pytest_in_handout()
    assert stub.returncode == 1, stub.stdout[-2000:]
    assert " failed" in stub.stdout.splitlines()[-1]
    shutil.copytree(challenge.reference_dir, dest, dirs_exist_ok=True)
    reference = pytest_in_handout()
    assert reference.returncode == 0, reference.stdout[-2000:]
    assert " passed" in reference.stdout.splitlines()[-1]


def run_autograder(zip_path: Path, root: Path, submission: dict[str, str], grader: Path) -> dict[str, Any]:
    """Unpack a Gradescope autograder as Gradescope lays it out and run it on one submission."""
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir(parents=True)
    for name, text in submission.items():
        (root / "submission" / name).write_text(text)
    script = root / "source" / "run_autograder"
    done = subprocess.run(
        ["bash", str(script)], env=clean_env(AUTOGRADER_ROOT=str(root), GRADER_BIN=str(grader)),
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    return data


def test_a_gradescope_autograder_grades_like_grader_grade(installed: Path, wheel: Path, tmp_path: Path) -> None:
    from tests.batch.test_render import check_gradescope_results

    zip_path = tmp_path / "lru-cache.zip"
    made = run_installed(installed, "export", "gradescope", "lru-cache", str(zip_path), "--wheel", str(wheel),
                         cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", f"wheels/{wheel.name}", f"wheels/{pinned_pip_wheel().name}"} == names
        assert archive.getinfo("run_autograder").external_attr >> 16 & 0o111
    sample = (FILES / "samples" / "lru_cache_partial.py").read_text()
    data = run_autograder(zip_path, tmp_path / "autograder", {"solution.py": sample}, installed)
    check_gradescope_results(data)
    graded = run_installed(installed, "grade", str(FILES / "samples" / "lru_cache_partial.py"), "--challenge",
                           "lru-cache", "--sandbox", "local", cwd=tmp_path)  # fmt: skip
    assert "lru-cache: 17/20" in graded.stdout and data["score"] == 17
    # The candidate audience: each hidden test by its public description, never by its name.
    names = [t["name"] for t in data["tests"]]
    assert names and all(name.startswith("lru-cache: hidden test ") and "test_" not in name for name in names)
    assert names[0] == "lru-cache: hidden test 1: Refuses a capacity below 1 with ValueError."
    refused = run_autograder(zip_path, tmp_path / "refused", {"solution.py": sample, "json.py": "x = 1\n"}, installed)
    check_gradescope_results({**refused, "execution_time": 0})
    assert refused["score"] == 0 and "json.py" in refused["output"]


@pytest.mark.docker
def test_a_gradescope_autograder_runs_in_a_fresh_container(installed: Path, wheel: Path, tmp_path: Path) -> None:
    """The zip unpacked where Gradescope puts it, in a container that has python3 and nothing else:
    setup.sh builds the venv (the grader's dependencies from a local wheelhouse: containers here have
    no network), run_autograder grades the submission; the score is `grader grade`'s."""
    import docker

    from grader.errors import SandboxError
    from grader.sandbox.image import build_debootstrap_base
    from tests.batch.test_render import check_gradescope_results

    try:
        client = docker.from_env()
        base = build_debootstrap_base(client)
    except (docker.errors.DockerException, SandboxError) as exc:
        docker_unavailable(f"no Docker engine or base image: {exc}")
    zip_path = tmp_path / "lru-cache.zip"
    made = run_installed(installed, "export", "gradescope", "lru-cache", str(zip_path), "--wheel", str(wheel),
                         cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    wheelhouse = tmp_path / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--only-binary=:all:",
         "--python-version", "3.11", "-d", str(wheelhouse), str(wheel)],
        check=True, timeout=900,
    )  # fmt: skip
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(root / "source")
    (root / "submission").mkdir()
    shutil.copy2(FILES / "samples" / "lru_cache_partial.py", root / "submission" / "solution.py")
    (root / "results").mkdir()
    script = "bash /autograder/source/setup.sh && bash /autograder/source/run_autograder"
    mounts = {str(root): {"bind": "/autograder", "mode": "rw"}, str(wheelhouse): {"bind": "/wheelhouse", "mode": "ro"}}
    container = client.containers.run(
        base, ["bash", "-c", script], detach=True, network_mode="none",
        environment={"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "/wheelhouse"}, volumes=mounts,
    )  # fmt: skip
    try:
        status = container.wait(timeout=900)
        logs = container.logs().decode("utf-8", "replace")
    finally:
        container.remove(force=True)
    assert status["StatusCode"] == 0, logs[-3000:]
    data: dict[str, Any] = json.loads((root / "results" / "results.json").read_text())
    check_gradescope_results(data)
    graded = run_installed(installed, "grade", str(FILES / "samples" / "lru_cache_partial.py"), "--challenge",
                           "lru-cache", "--sandbox", "local", cwd=tmp_path)  # fmt: skip
    assert "lru-cache: 17/20" in graded.stdout and data["score"] == 17
    assert sum(test["score"] for test in data["tests"]) == pytest.approx(17, abs=0.01)


@pytest.mark.parametrize("slug", ["lru-cache", "select-vs-prefetch", "upload-validator"])
def test_a_classroom_starter_grades_each_example_as_a_point(
    slug: str, tmp_path: Path, handout_pythons: dict[str, Path]
) -> None:
    from grader.export import classroom_tests, write_classroom_starter

    challenge = load_challenge(discover()[[f.name for f in discover()].index(slug)])
    dest = tmp_path / slug
    write_classroom_starter(challenge, dest)
    workflow = (dest / ".github" / "workflows" / "classroom.yml").read_text()
    steps = classroom_tests(challenge)
    assert steps and workflow.count("max-score: 1") == len(steps)
    python = handout_pythons[(dest / "requirements.txt").read_text()]

    def step_passes(command: str) -> bool:
        argv = [str(python), "-m", *command.split()]
        return subprocess.run(argv, cwd=dest, env=clean_env(), capture_output=True, timeout=300).returncode == 0

    for step in steps:
        assert f'command: "{step.command}"' in workflow
    assert not any(step_passes(step.command) for step in steps)  # the stub earns nothing
    shutil.copytree(challenge.reference_dir, dest, dirs_exist_ok=True)
    assert all(step_passes(step.command) for step in steps)  # the reference earns every point
