"""A real redis-server per test module, grading hosts as real `grader worker` processes, and
cohorts of toy submissions that grade in about a second each (local sandbox)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader.cluster.scratch import scratch_redis
from tests.batch.factory import make_bank, toy, write_entry

ROOT = Path(__file__).resolve().parents[2]
POISON_WORKER = ROOT / "tests" / "files" / "cluster" / "poison_worker.py"
# Short, so that the orders of a killed host come back within a test (a real one is much longer).
TEST_VISIBILITY_SECONDS = 6


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    if shutil.which("redis-server") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI needs redis-server (Debian package redis-server)")
        pytest.skip("redis-server is not installed")
    with scratch_redis() as url:
        yield url


def password_of(url: str) -> str:
    return url.split("://:", 1)[1].split("@", 1)[0]


@pytest.fixture
def broker(redis_url: str) -> str:
    """The module's server, emptied: no queue, reply or count of another test."""
    import redis

    redis.Redis.from_url(redis_url).flushall()
    return redis_url


@dataclass
class Host:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL to the whole host: its Celery main process and every pool process."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)


StartHost = Callable[..., Host]


@pytest.fixture
def start_host(tmp_path: Path) -> Iterator[StartHost]:
    """Start `grader worker` processes (local sandbox, one grading at a time) and stop them after."""
    hosts: list[Host] = []

    def start(broker_url: str, name: str, bank: Path, *, poison: bool = False, concurrency: int = 1) -> Host:
        log = tmp_path / f"{name}.log"
        work = tmp_path / f"{name}-work"  # each host its own work folder, as on separate machines
        work.mkdir()
        program = [str(POISON_WORKER)] if poison else ["-m", "grader"]
        command = [
            sys.executable, *program, "--bank", str(bank), "worker",
            "--name", f"{name}@test", "--sandbox", "local", "--concurrency", str(concurrency),
            "--visibility-timeout", str(TEST_VISIBILITY_SECONDS),
        ]  # fmt: skip
        with log.open("wb") as sink:
            process = subprocess.Popen(
                command, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                env={**os.environ, "PYTHONPATH": str(ROOT), "GRADER_BROKER": broker_url, "TMPDIR": str(work)},
            )  # fmt: skip
        host = Host(name, process, log)
        hosts.append(host)
        deadline = time.monotonic() + 60
        while f"{name}@test ready" not in host.text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"grading host {name} did not start:\n{host.text()[-3000:]}")
            time.sleep(0.1)
        return host

    yield start
    for host in hosts:
        if host.process.poll() is None:
            os.killpg(host.process.pid, signal.SIGTERM)
    for host in hosts:
        try:
            host.process.wait(20)
        except subprocess.TimeoutExpired:
            host.kill()


@dataclass(frozen=True)
class Cohort:
    bank: Path
    assessment: Path
    submissions: Path
    size: int


def make_cohort(folder: Path, size: int, *, poison: tuple[int, ...] = (), flaky: tuple[int, ...] = ()) -> Cohort:
    """`size` candidates on toy-sum, every submission different (no two share a grading); the
    `poison` ones kill a poison host's grading process, the `flaky` ones fail its first attempt."""
    bank = make_bank(folder / "bank", ["toy-sum"])
    submissions = folder / "subs"
    for number in range(size):
        source = toy(("correct", "partial", "broken")[number % 3])
        marker = "POISON" if number in poison else "FLAKY" if number in flaky else f"candidate {number}"
        marker += f" {number}"
        write_entry(submissions, f"cand{number:02d}", {"toy-sum/solution.py": f"# {marker}\n{source}"})
    assessment = folder / "assessment.toml"
    assessment.write_text('name = "cluster"\n\n[[challenges]]\nslug = "toy-sum"\npoints = 100\n', encoding="utf-8")
    return Cohort(bank, assessment, submissions, size)


def grader_command(cohort: Cohort, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "grader", "--bank", str(cohort.bank), "batch", str(cohort.assessment),
        str(cohort.submissions), "--out", str(out), "--sandbox", "local", "-q", *extra,
    ]  # fmt: skip
