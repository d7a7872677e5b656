"""The cluster commands' bad input and unreachable broker: one line, the documented exit code."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cluster.conftest import ROOT, grader_command, make_cohort


def grader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in done.stderr.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["cluster", "status"], ["worker", "--sandbox", "local"]])
def test_an_unreachable_broker_is_one_line_and_exit_3(command: list[str]) -> None:
    url = f"redis://:s3cret@127.0.0.1:{closed_port()}/0"
    done = grader(*command, "--broker", url)
    assert done.returncode == 3
    line = one_error_line(done)
    assert line.startswith("error: broker redis://:**@127.0.0.1:") and "s3cret" not in line


def test_a_batch_with_an_unreachable_broker_is_exit_3(tmp_path: Path) -> None:
    cohort = make_cohort(tmp_path, 2)
    url = f"redis://127.0.0.1:{closed_port()}/0"
    done = subprocess.run(
        grader_command(cohort, tmp_path / "out", "--broker", url), capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 3
    assert one_error_line(done).startswith("error: broker redis://127.0.0.1:")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cluster", "status", "--broker", "amqp://host"], "is not a redis:// or rediss:// URL"),
        (["worker", "--broker", "http://host"], "is not a redis:// or rediss:// URL"),
    ],
)
def test_a_broker_that_is_not_redis_is_a_usage_error(args: list[str], message: str) -> None:
    done = grader(*args)
    assert done.returncode == 2
    assert message in one_error_line(done)


def test_jobs_and_broker_together_are_a_usage_error(tmp_path: Path) -> None:
    cohort = make_cohort(tmp_path, 1)
    done = subprocess.run(
        grader_command(cohort, tmp_path / "out", "--broker", "redis://127.0.0.1:1/0", "--jobs", "2"),
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "--concurrency" in one_error_line(done)


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "status", "--broker", "redis://127.0.0.1:1/0"],
        ["worker", "--broker", "redis://127.0.0.1:1/0", "--sandbox", "local"],
    ],
)
def test_without_the_cluster_extra_the_commands_say_what_to_install(args: list[str]) -> None:
    # As in an installation without `grader[cluster]`: neither celery nor redis can be imported.
    script = (
        "import sys; sys.modules['celery'] = None; sys.modules['redis'] = None\n"
        "from grader.cli import main\n"
        f"sys.exit(main({args!r}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 2
    assert "pip install 'grader[cluster]'" in one_error_line(done)
