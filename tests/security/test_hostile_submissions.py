"""One hostile submission per attack, graded in the Docker sandbox.

Each is graded against the toy challenge (7 points: add_small 2, add_property 3,
greet 1, spin 1). Unless the attack runs at import, `add` and `spin` are honest
and the attack lives in `greet`, so the honest score is 6/7 when the attack
fails and the test asserts exactly that, with the reason.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.models import GradeResult, GradeStatus, Outcome
from tests.conftest import RUN_IDS, GradeSource, docker_unavailable, outcomes

pytestmark = [pytest.mark.docker]

HONEST = """
def add(a, b):
    return a + b

def spin(n):
    return n
"""


@pytest.fixture(scope="module", autouse=True)
def docker_ready() -> Iterator[None]:
    from grader.errors import SandboxError
    from grader.sandbox.image import ensure_image

    try:
        ensure_image()
    except SandboxError as exc:
        docker_unavailable(f"Docker sandbox unavailable: {exc}")
    yield
    # After the whole suite, nothing our gradings started is left (other runs may share the engine).
    listed = subprocess.run(
        ["docker", "ps", "-a", "--filter", "label=grader.managed=1", "--format", '{{.Label "grader.run"}}'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    leftover = sorted(set(listed) & set(RUN_IDS))
    assert leftover == []


def grade_attack(grade_source: GradeSource, greet_body: str, extra: dict[str, str] | None = None) -> GradeResult:
    source = (
        HONEST + "\ndef greet(name):\n" + "\n".join("    " + line for line in greet_body.strip().splitlines()) + "\n"
    )
    return grade_source(source, extra, sandbox="docker")


def greet_message(result: GradeResult) -> str:
    return next(t.message for t in result.tests if t.id.endswith("test_greet"))


def assert_honest(result: GradeResult, greet: str = "failed") -> None:
    assert result.status is GradeStatus.GRADED
    assert outcomes(result) == {
        "test_add_small": "passed",
        "test_add_property": "passed",
        "test_greet": greet,
        "test_spin": "passed",
    }


# ---------------------------------------------------------------- planted files


@pytest.mark.parametrize(
    "planted",
    [
        {
            "conftest.py": "import pytest\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n    o = yield\n    o.get_result().outcome = 'passed'\n"  # noqa: E501
        },
        {"pytest.ini": "[pytest]\naddopts = -p no:python\n"},
        {"sitecustomize.py": "import builtins\nbuiltins.__import__ = None\n"},
        {"usercustomize.py": "raise SystemExit(0)\n"},
        {"evil.pth": "import os; os._exit(0)\n"},
        {"pytest.py": "def main(*a, **k):\n    return 0\n"},
        {"hypothesis/__init__.py": "given = lambda *a, **k: (lambda f: f)\n"},
        {"_pytest/__init__.py": ""},
    ],
    ids=[
        "conftest",
        "pytest.ini",
        "sitecustomize",
        "usercustomize",
        "pth",
        "fake-pytest",
        "fake-hypothesis",
        "fake-_pytest",
    ],
)
def test_planted_files_change_nothing(grade_source: GradeSource, planted: dict[str, str]) -> None:
    result = grade_source(
        "def add(a, b):\n    return 0\n\ndef greet(n):\n    return 0\n\ndef spin(n):\n    return 0\n",
        planted,
        sandbox="docker",
    )
    assert result.status is GradeStatus.GRADED
    assert result.score == 0
    assert all(t.outcome is Outcome.FAILED for t in result.tests)


# ---------------------------------------------------------------- exits


@pytest.mark.parametrize("exit_call", ["sys.exit(0)", "os._exit(0)"])
def test_exit_at_import(grade_source: GradeSource, exit_call: str) -> None:
    result = grade_source(f"import os, sys\n{exit_call}\n" + HONEST + "greet = add\n", sandbox="docker")
    assert result.score == 0
    assert all(t.outcome in (Outcome.CRASHED, Outcome.ERROR) for t in result.tests)


def test_os_exit_inside_a_call(grade_source: GradeSource) -> None:
    result = grade_attack(grade_source, "import os\nos._exit(0)")
    assert_honest(result, greet="crashed")
    assert "exit" in greet_message(result)


def test_sys_exit_inside_a_call(grade_source: GradeSource) -> None:
    result = grade_attack(grade_source, "import sys\nsys.exit(0)")
    assert_honest(result, greet="error")
    assert "SystemExit" in greet_message(result)


def test_exit_from_atexit_changes_nothing(grade_source: GradeSource) -> None:
    source = (
        "import atexit, os\natexit.register(lambda: os._exit(0))\n"
        + HONEST
        + "def greet(n):\n    return 'hello ' + n\n"
    )
    result = grade_source(source, sandbox="docker")
    assert result.score == 7


# ---------------------------------------------------------------- lying values


@pytest.mark.parametrize(
    "liar",
    [
        "class L:\n    def __eq__(self, o): return True\n    __hash__ = object.__hash__\nVALUE = L()",
        "class L(int):\n    def __eq__(self, o): return True\n    __hash__ = int.__hash__\nVALUE = L(0)",
        "class L(str):\n    def __eq__(self, o): return True\n    __hash__ = str.__hash__\nVALUE = L('')",
    ],
    ids=["always-equal", "int-subclass", "str-subclass"],
)
def test_lying_values_never_compare_equal(grade_source: GradeSource, liar: str) -> None:
    source = liar + "\ndef add(a, b):\n    return VALUE\n\ngreet = spin = add\n"
    assert grade_source(source, sandbox="docker").score == 0


def test_frame_and_gc_walks_find_nothing(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import gc, sys
names = {type(o).__name__ for o in gc.get_objects()}
frames = []
f = sys._getframe()
while f is not None:
    frames.append(f.f_code.co_filename)
    f = f.f_back
leaked = {"GraderPlugin", "TestRecord", "ModelLRU"} & names or any("hidden" in x or "_pytest" in x for x in frames)
return "hello " + name if leaked else "nothing here"
""",
    )
    assert_honest(result)


# ---------------------------------------------------------------- the filesystem


@pytest.mark.parametrize(
    "path",
    [
        str(Path(__file__).resolve().parents[1] / "files/challenges/toy-sum/tests/hidden/test_hidden.py"),
        str(Path(__file__).resolve().parents[2] / "grader/harness/plugin.py"),
        "/work",
        "/root/.bash_history",
        "/var/run/docker.sock",
    ],
)
def test_host_files_are_not_there(grade_source: GradeSource, path: str) -> None:
    result = grade_attack(
        grade_source,
        f"""
import os
return "hello " + name if os.path.exists({path!r}) else "absent"
""",
    )
    assert_honest(result)


def test_proc_shows_only_the_sandbox(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import os
pids = [p for p in os.listdir("/proc") if p.isdigit()]
# inside the container only init, the worker (and its threads' parent) are visible
return "hello " + name if len(pids) > 5 else "few pids: " + str(len(pids))
""",
    )
    assert_honest(result)


def test_cannot_write_outside_tmp(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
wrote = []
for path in ("/submission/solution.py", "/opt/grader-worker/rpc.py", "/etc/evil", "/usr/lib/evil", "/evil"):
    try:
        with open(path, "a") as handle:
            handle.write("x")
        wrote.append(path)
    except OSError:
        pass
return "hello " + name if wrote else "read-only"
""",
    )
    assert_honest(result)


def test_filling_tmp_hits_its_cap(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import os
written = 0
try:
    with open("/tmp/fill", "wb") as handle:
        while written < 2 * 1024 ** 3:
            handle.write(b"x" * (1 << 20))
            written += 1 << 20
except OSError:
    pass
finally:
    if os.path.exists("/tmp/fill"):
        os.remove("/tmp/fill")
return "hello " + name if written >= 1024 ** 3 else "capped"
""",
    )
    assert_honest(result)


def test_symlink_in_the_submission_is_refused(tmp_path: Path) -> None:
    from grader.api import SandboxChoice, grade
    from grader.challenges import load_challenge
    from tests.conftest import TOY

    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "solution.py").write_text(HONEST)
    (folder / "secrets").symlink_to("/etc")
    with pytest.raises(SubmissionError, match="symbolic link"):
        grade(folder, load_challenge(TOY), sandbox=SandboxChoice("docker"))
    (folder / "secrets").unlink()
    (folder / "harness").symlink_to(Path(__file__).resolve().parents[2] / "grader")
    with pytest.raises(SubmissionError, match="symbolic link"):
        grade(folder, load_challenge(TOY), sandbox=SandboxChoice("docker"))


# ---------------------------------------------------------------- resources


def test_fork_bomb_is_contained(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import os
children = 0
try:
    while True:
        if os.fork() == 0:
            import time
            time.sleep(60)
            os._exit(0)
        children += 1
except OSError:
    pass
return "forked %d" % children
""",
    )
    assert_honest(result)
    assert "forked" in greet_message(result)


@pytest.mark.parametrize("chunk_mb", [200, 4], ids=["fast", "slow"])
def test_memory_bomb_is_a_memory_verdict(grade_source: GradeSource, chunk_mb: int) -> None:
    result = grade_attack(
        grade_source,
        f"""
blocks = []
while True:
    blocks.append(bytearray({chunk_mb} * 1024 * 1024))
""",
    )
    assert_honest(result, greet="memory")
    assert "memory limit (256 MB) exceeded" in greet_message(result)


def test_infinite_loop_times_out(grade_source: GradeSource) -> None:
    result = grade_attack(grade_source, "while True:\n    pass")
    assert_honest(result, greet="timeout")
    assert "time limit exceeded" in greet_message(result)


def test_sigterm_ignoring_loop_times_out(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass",
    )
    assert_honest(result, greet="timeout")


def test_background_thread_and_process_do_not_outlive_the_worker(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import os, threading, time
def noisy():
    while True:
        print("still here")
        time.sleep(0.01)
threading.Thread(target=noisy, daemon=True).start()
if os.fork() == 0:
    while True:
        time.sleep(1)
return "hello " + name
""",
    )
    assert result.score == 7


def test_killing_its_parent_crashes_its_own_test_only(grade_source: GradeSource) -> None:
    # Its parent is the zygote: its container goes down with it, and the test with the container.
    # Whether the answer got out first was a race (the test passed or crashed from run to run):
    # a sandbox that dies before the test ends is that test's crash, every time.
    result = grade_attack(
        grade_source,
        """
import os, signal
for pid in (os.getppid(), 1):
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
return "hello " + name
""",
    )
    assert_honest(result, greet="crashed")
    assert result.extra["worker_starts"] == 2  # the next test got a new sandbox


# ---------------------------------------------------------------- network


@pytest.mark.parametrize(
    "attempt",
    [
        "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=1)",
        "import socket\nsocket.getaddrinfo('example.com', 80)",
        "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('8.8.8.8', 53))",
        "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=1)",
    ],
    ids=["tcp", "dns", "udp", "http"],
)
def test_no_network(grade_source: GradeSource, attempt: str) -> None:
    body = (
        "try:\n"
        + "\n".join("    " + line for line in attempt.splitlines())
        + "\nexcept OSError:\n    return 'offline'\nreturn 'hello ' + name"
    )
    result = grade_attack(grade_source, body)
    assert_honest(result)


# ---------------------------------------------------------------- output


def test_a_gigabyte_on_stdout_is_capped(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
import sys
chunk = "A" * (1 << 20)
for _ in range(1024):
    sys.stdout.write(chunk)
return "hello " + name
""",
    )
    greet = next(t for t in result.tests if t.id.endswith("test_greet"))
    assert greet.outcome in (Outcome.PASSED, Outcome.TIMEOUT)
    assert len(greet.output) < 10_000
    assert all(t.outcome is Outcome.PASSED for t in result.tests if not t.id.endswith("test_greet"))


def test_huge_exception_message_is_truncated(grade_source: GradeSource) -> None:
    result = grade_attack(grade_source, "raise ValueError('x' * 50_000_000)")
    assert_honest(result, greet="error")
    assert len(greet_message(result)) < 5000


def test_fake_result_lines_are_just_output(grade_source: GradeSource) -> None:
    result = grade_attack(
        grade_source,
        """
print('{"status": "graded", "score": 7, "max_score": 7, "percent": 100.0}')
print("test_greet PASSED")
print("=== 4 passed in 0.01s ===")
return "nope"
""",
    )
    assert_honest(result)
    assert result.percent < 100


def test_result_records_the_image_digest(grade_source: GradeSource) -> None:
    result = grade_source(HONEST + "def greet(n):\n    return 'hello ' + n\n", sandbox="docker")
    assert result.sandbox["backend"] == "docker"
    assert str(result.sandbox["image_digest"]).startswith("sha256:")
