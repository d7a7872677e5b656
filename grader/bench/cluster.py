"""`grader bench --cluster`: the same generated cohort graded by the local batch and through a
Celery broker by one grading host of 1, 2 and 4 processes, all on this machine.

What it measures: each run's wall time and throughput, the coordinator's own time per grading
(sending orders, checking and saving replies), and whether every run gives the same verdicts.
From those it models how many 2-core hosts a target load needs. The broker is a private
redis-server started for each cluster run (grader.cluster.scratch), so no run reuses another's
replies; every candidate's files differ by a comment, so no two gradings share an order.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from grader.api import SandboxChoice, now_iso
from grader.batch.api import BatchOptions, run_batch
from grader.batch.assessment import load_assessment, resolve_challenges
from grader.bench.plan import generate_batch, load_pool
from grader.challenges import Challenge, find_challenge
from grader.cluster.coordinator import Coordinator
from grader.cluster.scratch import scratch_redis
from grader.errors import BrokerError
from grader.models import GradeStatus
from grader.resources import bank_dir
from grader.submission import read_submission

Log = Callable[[str], None]
DEFAULT_SLUGS = ("lru-cache", "sliding-window-rate-limiter")
HOST_READY_SECONDS = 120.0
# The model's target: a hiring round's worth of gradings, finished in ten minutes.
TARGET_GRADINGS = 10_000
TARGET_MINUTES = 10.0


@dataclass(frozen=True, slots=True)
class ClusterRun:
    label: str
    processes: int  # grading processes: --jobs for the local batch, --concurrency for the host
    gradings: int
    wall_s: float
    coordinator_ms_per_grading: float | None  # CPU time; None: the local batch has no coordinator
    coordinator_startup_ms: float | None = None  # once per run: connecting to the broker
    coordinator_wall_ms_per_grading: float | None = None  # wall: includes waiting for a busy core

    @property
    def per_minute(self) -> float:
        return 60 * self.gradings / self.wall_s if self.wall_s else 0.0


@dataclass(frozen=True, slots=True)
class ClusterBench:
    started_at: str
    cores: int
    sandbox: str
    slugs: tuple[str, ...]
    candidates: int
    runs: tuple[ClusterRun, ...]
    verdicts_differ: tuple[str, ...]  # "run: candidate/slug" where a run's percent differs from the local batch's

    def run(self, label: str) -> ClusterRun | None:
        return next((r for r in self.runs if r.label == label), None)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["runs"] = [{**asdict(r), "per_minute": round(r.per_minute, 2)} for r in self.runs]
        return data


def write_cohort(challenges: Sequence[Challenge], candidates: int, seed: int, folder: Path) -> int:
    """The bench's generated cohort as candidate folders; how many gradings it holds."""
    batch = generate_batch([load_pool(c) for c in challenges], candidates, seed)
    by_slug = {c.slug: c for c in challenges}
    for submission in batch:
        challenge = by_slug[submission.challenge]
        files = read_submission(submission.variant.path, challenge.entry)
        entry = f"{challenge.entry}.py"
        files[entry] = f"# bench candidate {submission.candidate}\n".encode() + files[entry]
        root = folder / f"c{submission.candidate:03d}" / challenge.slug
        for name, content in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(content)
    (folder.parent / "assessment.toml").write_text(
        'name = "cluster-bench"\n' + "".join(f'\n[[challenges]]\nslug = "{c.slug}"\n' for c in challenges),
        encoding="utf-8",
    )
    return len(batch)


def run_cluster_bench(
    slugs: Sequence[str],
    candidates: int,
    seed: int,
    choice: SandboxChoice,
    out_dir: Path,
    log: Log,
    *,
    local_jobs: int = 2,
    processes: Sequence[int] = (1, 2, 4),
) -> ClusterBench:
    started_at = now_iso()
    challenges = [find_challenge(slug) for slug in (slugs or DEFAULT_SLUGS)]
    work = out_dir / "work"
    subs = work / "subs"
    gradings = write_cohort(challenges, candidates, seed, subs)
    assessment = load_assessment(work / "assessment.toml")
    resolved = resolve_challenges(assessment)
    log(f"cluster bench: {gradings} gradings ({candidates} candidates x {len(challenges)} challenges)")

    runs: list[ClusterRun] = []
    percents: dict[str, dict[str, float]] = {}

    def timed(label: str, count: int, options: BatchOptions, coordinator: Coordinator | None) -> None:
        target = out_dir / label
        started = time.monotonic()
        result = run_batch(assessment, resolved, subs, target, options)
        wall = time.monotonic() - started
        failed = [r for r in result.reports if r.error]
        if failed:
            log(f"{label}: {len(failed)} grading(s) failed, first: {failed[0].error}")
        stats = None if coordinator is None else coordinator.stats
        runs.append(
            ClusterRun(
                label, count, gradings, wall,
                None if stats is None else stats.cpu_per_order_ms,
                None if stats is None else 1000 * stats.startup_s,
                None if stats is None else stats.overhead_per_order_ms,
            )
        )  # fmt: skip
        percents[label] = _percents(target)
        log(f"{label}: {wall:.1f} s, {runs[-1].per_minute:.1f} gradings/min")

    timed(f"local-jobs{local_jobs}", local_jobs, BatchOptions(jobs=local_jobs, sandbox=choice, force=True), None)
    for count in processes:
        with scratch_redis() as url, grading_host(url, count, choice, work / f"host-{count}.log"):
            coordinator = Coordinator(url, choice)
            timed(f"cluster-{count}", count, BatchOptions(sandbox=choice, force=True, remote=coordinator), coordinator)
    baseline = percents[runs[0].label]
    differ = tuple(
        f"{label}: {key}"
        for label, found in percents.items()
        for key in sorted(set(baseline) | set(found))
        if found.get(key) != baseline.get(key)
    )
    return ClusterBench(
        started_at, os.cpu_count() or 1, choice.backend, tuple(c.slug for c in challenges), candidates,
        tuple(runs), differ,
    )  # fmt: skip


def _percents(out: Path) -> dict[str, float]:
    found = {}
    for path in sorted((out / "results").glob("*/*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))["result"]
        ok = result["status"] == GradeStatus.GRADED.value
        found[f"{path.parent.name}/{path.stem}"] = float(result["percent"]) if ok else -1.0
    return found


@contextlib.contextmanager
def grading_host(url: str, count: int, choice: SandboxChoice, log_path: Path) -> Iterator[None]:
    """One `grader worker` process of `count` grading processes on the bench's broker, ready to
    grade; stopped (warm shutdown: nothing is running by then) when the context ends."""
    command = [
        sys.executable, "-m", "grader", "--bank", str(bank_dir()), "worker",
        "--concurrency", str(count), "--name", f"bench-{count}@local", "--sandbox", choice.backend,
    ] + (["--image", choice.image] if choice.image else [])  # fmt: skip
    env = {**os.environ, "GRADER_BROKER": url}  # not on the command line: `ps` shows that
    with log_path.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + HOST_READY_SECONDS
        while " ready." not in log_path.read_text(encoding="utf-8", errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise BrokerError(f"the bench's grading host did not start (see {log_path})")
            time.sleep(0.1)
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def render_cluster_markdown(bench: ClusterBench) -> str:
    local = bench.runs[0]
    lines = [
        f"Measured {bench.started_at} on {bench.cores} cores, sandbox `{bench.sandbox}`: "
        f"{local.gradings} gradings ({bench.candidates} candidates x {', '.join(bench.slugs)}), "
        "each run on its own, one after the other.",
        "",
        "| run | grading processes | wall | gradings/min | vs local | coordinator CPU per grading (wall) | start |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for run in bench.runs:
        ratio = run.wall_s / local.wall_s if local.wall_s else 0.0
        coordinator = "-"
        if run.coordinator_ms_per_grading is not None:
            coordinator = f"{run.coordinator_ms_per_grading:.1f} ms ({run.coordinator_wall_ms_per_grading or 0:.1f} ms)"
        startup = "-" if run.coordinator_startup_ms is None else f"{run.coordinator_startup_ms:.0f} ms"
        cells = [run.label, str(run.processes), f"{run.wall_s:.1f} s", f"{run.per_minute:.1f}", f"{ratio:.2f}"]
        lines.append("| " + " | ".join([*cells, coordinator, startup]) + " |")
    lines += [
        "",
        "Verdicts: "
        + (
            "identical in every run."
            if not bench.verdicts_differ
            else "DIFFER: " + "; ".join(bench.verdicts_differ[:10])
        ),
    ]
    host = bench.run(f"cluster-{bench.cores}")
    if host is not None and host.per_minute:
        needed = TARGET_GRADINGS / TARGET_MINUTES
        hosts = math.ceil(needed / host.per_minute)
        coordinator_s = (host.coordinator_ms_per_grading or 0.0) * TARGET_GRADINGS / 1000
        lines += [
            "",
            f"Model: {TARGET_GRADINGS:,} gradings in {TARGET_MINUTES:g} minutes is {needed:g} a minute. One host "
            f"like this one ({bench.cores} cores, {bench.cores} grading processes) does {host.per_minute:.1f} a "
            f"minute on this cohort, so about {hosts} such hosts; the coordinator's own CPU time for all of them "
            f"is about {coordinator_s:.0f} s, inside the 10 minutes (it overlaps the grading, on a machine of its "
            "own).",
        ]
    return "\n".join(lines) + "\n"


def write_cluster_report(bench: ClusterBench, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "cluster-bench.json"
    json_path.write_text(json.dumps(bench.to_dict(), indent=2) + "\n", encoding="utf-8")
    md_path = out_dir / "cluster-bench.md"
    md_path.write_text(render_cluster_markdown(bench), encoding="utf-8")
    return [json_path, md_path]
