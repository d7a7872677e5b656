"""Grading through a real Redis broker with real grading hosts (`grader worker` processes):
the same results as the local batch, and nothing lost or graded twice when a host or the
coordinator is killed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from grader.cluster.ledger import PREFIX
from grader.cluster.status import cluster_status
from tests.cluster.conftest import ROOT, Cohort, StartHost, grader_command, make_cohort, password_of

pytestmark = pytest.mark.slow


def run(command: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False)


def rows(out: Path) -> str:
    return (out / "results.csv").read_text(encoding="utf-8")


def results(out: Path) -> dict[str, tuple[float, list[tuple[str, str]]]]:
    """Each candidate's toy-sum percent and per-test outcomes, from the stored results."""
    found = {}
    for path in sorted((out / "results").glob("*/toy-sum.json")):
        result = json.loads(path.read_text(encoding="utf-8"))["result"]
        found[path.parent.name] = (result["percent"], [(t["id"], t["outcome"]) for t in result["tests"]])
    return found


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cohort, Path]:
    """The 20-candidate cohort graded by the local batch: what every broker run must match."""
    folder = tmp_path_factory.mktemp("local")
    cohort = make_cohort(folder, 20)
    out = folder / "out"
    done = run([*grader_command(cohort, out), "--jobs", "2"])
    assert done.returncode == 0, done.stderr
    return cohort, out


def ledger(broker: str) -> redis.Redis:
    return redis.Redis.from_url(broker)


def wait_for_results(out: Path, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(list((out / "results").glob("*/toy-sum.json"))) < count:
        assert time.monotonic() < deadline, f"fewer than {count} results in {out} after {timeout} s"
        time.sleep(0.05)


def test_a_cohort_through_the_broker_matches_the_local_batch(
    broker: str, start_host: StartHost, local_reference: tuple[Cohort, Path], tmp_path: Path
) -> None:
    cohort, local_out = local_reference
    start_host(broker, "one", cohort.bank)
    start_host(broker, "two", cohort.bank)
    out = tmp_path / "out"
    done = run(grader_command(cohort, out, "--broker", broker))
    assert done.returncode == 0, done.stderr
    assert rows(out) == rows(local_out)
    assert results(out) == results(local_out)
    assert int(ledger(broker).get(PREFIX + "done") or 0) == cohort.size
    # The password never reaches a log line.
    assert password_of(broker) not in done.stdout + done.stderr


def test_a_host_killed_mid_run_loses_nothing(
    broker: str, start_host: StartHost, local_reference: tuple[Cohort, Path], tmp_path: Path
) -> None:
    cohort, local_out = local_reference
    doomed = start_host(broker, "doomed", cohort.bank)
    start_host(broker, "survivor", cohort.bank)
    out = tmp_path / "out"
    coordinator = subprocess.Popen(grader_command(cohort, out, "--broker", broker), cwd=ROOT, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    wait_for_results(out, 3)
    # Mid-grading: the doomed host holds an order it has not finished (nor acknowledged).
    deadline = time.monotonic() + 60
    while doomed.text().count("] received") <= doomed.text().count("] succeeded in"):
        assert time.monotonic() < deadline, "the doomed host never took an order"
        time.sleep(0.01)
    doomed.kill()
    _, stderr = coordinator.communicate(timeout=240)
    assert coordinator.returncode == 0, stderr
    # It died holding an order: one it received and never finished.
    log = doomed.text()
    assert log.count("] received") > log.count("] succeeded in"), log[-3000:]
    assert rows(out) == rows(local_out)
    assert results(out) == results(local_out)


def test_a_killed_coordinator_run_again_grades_nothing_twice(
    broker: str, start_host: StartHost, local_reference: tuple[Cohort, Path], tmp_path: Path
) -> None:
    cohort, local_out = local_reference
    start_host(broker, "one", cohort.bank)
    start_host(broker, "two", cohort.bank)
    out = tmp_path / "out"
    command = grader_command(cohort, out, "--broker", broker)
    coordinator = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_results(out, 4)
    coordinator.send_signal(signal.SIGKILL)
    coordinator.wait(10)
    time.sleep(1.5)  # the hosts go on grading what was sent; the second run must collect it
    done = run(command)
    assert done.returncode == 0, done.stderr
    assert rows(out) == rows(local_out)
    assert results(out) == results(local_out)
    client = ledger(broker)
    # Each grading started once: nothing was graded twice, though most orders were sent twice.
    attempts = [int(client.get(key) or 0) for key in client.scan_iter(match=PREFIX + "attempts:*")]
    assert sorted(attempts) == [1] * cohort.size
    assert int(client.get(PREFIX + "done") or 0) == cohort.size


def test_a_host_of_another_bank_receives_nothing(
    broker: str, start_host: StartHost, local_reference: tuple[Cohort, Path], tmp_path: Path
) -> None:
    cohort, local_out = local_reference
    other = make_cohort(tmp_path / "other", 1)
    hidden = next((other.bank / "toy-sum" / "tests" / "hidden").glob("test_*.py"))
    hidden.write_text(hidden.read_text() + "\n# another version of the suite\n")
    stranger = start_host(broker, "stranger", other.bank)
    start_host(broker, "member", cohort.bank)
    out = tmp_path / "out"
    done = run(grader_command(cohort, out, "--broker", broker))
    assert done.returncode == 0, done.stderr
    assert rows(out) == rows(local_out)
    assert "grader.grade" not in stranger.text().split(" ready.", 1)[1]
    status = {host.name: host for host in cluster_status(broker).hosts}
    assert status["stranger@test"].queues != status["member@test"].queues


def test_a_poison_order_ends_as_an_infrastructure_row_after_the_cap(
    broker: str, start_host: StartHost, tmp_path: Path
) -> None:
    cohort = make_cohort(tmp_path, 4, poison=(2,), flaky=(3,))
    start_host(broker, "one", cohort.bank, poison=True)
    out = tmp_path / "out"
    done = run(grader_command(cohort, out, "--broker", broker), timeout=240)
    assert done.returncode == 3, done.stdout + done.stderr
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    cells = {row["id"]: row["challenges"]["toy-sum"] for row in data["candidates"]}
    assert cells["cand02"]["status"] == "grading failed"
    assert "gave up after 3 attempts" in cells["cand02"]["note"]
    assert all(cells[c]["status"] == "graded" for c in ("cand00", "cand01", "cand03"))
    client = ledger(broker)
    # The poison order started 3 times and was given up on the 4th; the flaky one made it on its 2nd.
    attempts = sorted(int(client.get(key) or 0) for key in client.scan_iter(match=PREFIX + "attempts:*"))
    assert attempts == [1, 1, 2, 4]
    assert cells["cand03"]["points"] == 100


def test_status_shows_the_hosts_and_the_counts_during_a_run(
    broker: str, start_host: StartHost, local_reference: tuple[Cohort, Path], tmp_path: Path
) -> None:
    cohort, _ = local_reference
    start_host(broker, "one", cohort.bank)
    start_host(broker, "two", cohort.bank)
    out = tmp_path / "out"
    coordinator = subprocess.Popen(grader_command(cohort, out, "--broker", broker), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for_results(out, 2)
    status = run([sys.executable, "-m", "grader", "cluster", "status", "--broker", broker, "--json"])
    assert coordinator.wait(240) == 0
    assert status.returncode == 0, status.stderr
    seen = json.loads(status.stdout)
    assert {h["name"] for h in seen["hosts"]} == {"one@test", "two@test"}
    assert all(h["concurrency"] == 1 for h in seen["hosts"])
    assert seen["done"] >= 2
    assert seen["done"] + seen["running"] + sum(seen["queued"].values()) <= cohort.size + 2
    assert password_of(broker) not in status.stdout
    final = cluster_status(broker)
    assert final.done == cohort.size and final.failed == 0 and sum(final.queued.values()) == 0
