"""`grader bench`: what isolation costs, measured in one run on this machine.

Three modes grade the same references with the same pinned pytest and
hypothesis: `baseline` (plain pytest importing the submission, no isolation),
`local` (the worker as a subprocess) and `docker` (the worker in a container).
Absolute times are noisy here, so the report leads with ratios measured in the
same run, medians of repeated gradings. Verdicts must agree across modes.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.api import SandboxChoice, assemble_result, now_iso, resolve_sandbox, run_harness
from grader.challenges import Challenge
from grader.errors import GraderError
from grader.harness.session import WorkerSession
from grader.models import Suite
from grader.sandbox.base import Limits, SandboxBackend, WorkerSpec
from grader.submission import prepare_submission

MODES = ("baseline", "local", "docker")


@dataclass(slots=True)
class ChallengeTimes:
    slug: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    verdicts: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def median(self, mode: str) -> float:
        return statistics.median(self.seconds[mode])


@dataclass(slots=True)
class BenchReport:
    cores: int
    repeat: int
    challenges: list[ChallengeTimes]
    container_start_s: list[float]
    rtt_local_ms: list[float]
    rtt_docker_ms: list[float]
    started_at: str

    def total(self, mode: str) -> float:
        return sum(c.median(mode) for c in self.challenges)

    def ratio(self, numerator: str, denominator: str) -> float:
        return self.total(numerator) / self.total(denominator)

    def verdicts_agree(self) -> bool:
        return all(len({tuple(v) for v in c.verdicts.values()}) == 1 for c in self.challenges)

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "cores": self.cores,
            "repeat": self.repeat,
            "per_challenge_median_s": {c.slug: {m: round(c.median(m), 3) for m in MODES} for c in self.challenges},
            "total_median_s": {m: round(self.total(m), 3) for m in MODES},
            "ratios": {
                "local/baseline": round(self.ratio("local", "baseline"), 3),
                "docker/baseline": round(self.ratio("docker", "baseline"), 3),
                "docker/local": round(self.ratio("docker", "local"), 3),
            },
            "container_start_s": _percentiles(self.container_start_s),
            "rtt_ms": {
                "local": _percentiles(self.rtt_local_ms),
                "docker": _percentiles(self.rtt_docker_ms),
            },
            "verdicts_agree": self.verdicts_agree(),
        }


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {}
    return {
        "p50": round(statistics.median(ordered), 4),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
    }


def _grade_once(challenge: Challenge, mode: str, image: str | None) -> tuple[float, list[tuple[str, str]]]:
    prepared = prepare_submission(challenge.reference_dir, challenge.entry)
    try:
        choice = SandboxChoice("local" if mode == "baseline" else mode, image)
        module = "grader.harness.baseline" if mode == "baseline" else "grader.harness.runner"
        start = time.perf_counter()
        raw = run_harness(prepared.root, challenge, choice, Suite.HIDDEN, uuid.uuid4().hex[:12], module)
        elapsed = time.perf_counter() - start
        result = assemble_result(raw, challenge, prepared.sha256, Suite.HIDDEN, now_iso())
        return elapsed, [(t.id, t.outcome.value) for t in result.tests]
    finally:
        prepared.cleanup()


def _backend(mode: str, image: str | None) -> SandboxBackend:
    if mode == "docker":
        from grader.sandbox.docker import DockerBackend

        return DockerBackend(image_tag=image)
    from grader.sandbox.local import LocalBackend

    return LocalBackend()


def measure_worker(mode: str, image: str | None, starts: int = 5, calls: int = 200) -> tuple[list[float], list[float]]:
    """Seconds from start to first answer per worker, and milliseconds per round trip."""
    folder = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    (folder / "solution.py").write_text("def echo(x):\n    return x\n", encoding="utf-8")
    folder.chmod(0o755)
    (folder / "solution.py").chmod(0o644)
    backend = _backend(mode, image)
    start_times: list[float] = []
    rtts: list[float] = []
    try:
        for index in range(starts):
            session = WorkerSession(backend, WorkerSpec(folder, Limits(), f"bench{uuid.uuid4().hex[:8]}"))
            try:
                begin = time.perf_counter()
                echo = session.load("solution").echo
                start_times.append(time.perf_counter() - begin)
                if index == 0:
                    for _ in range(calls):
                        tick = time.perf_counter()
                        echo(1)
                        rtts.append((time.perf_counter() - tick) * 1000)
            finally:
                session.close()
    finally:
        (folder / "solution.py").unlink()
        folder.rmdir()
    return start_times, rtts


def run_bench(
    challenges: list[Challenge],
    *,
    repeat: int = 3,
    image: str | None = None,
    log: Callable[[str], None] = print,
) -> BenchReport:
    image = resolve_sandbox(SandboxChoice("docker", image)).image
    report = BenchReport(os.cpu_count() or 1, repeat, [], [], [], [], now_iso())
    for challenge in challenges:
        times = ChallengeTimes(challenge.slug)
        for mode in MODES:
            times.seconds[mode] = []
            for _ in range(repeat):
                elapsed, verdicts = _grade_once(challenge, mode, image)
                times.seconds[mode].append(elapsed)
                times.verdicts.setdefault(mode, verdicts)
                if verdicts != times.verdicts[mode]:
                    raise GraderError(f"{challenge.slug}: verdicts changed between repetitions in {mode}")
            log(f"{challenge.slug:28} {mode:8} median {times.median(mode):6.2f} s")
        report.challenges.append(times)
    _, report.rtt_local_ms = measure_worker("local", image)
    report.container_start_s, report.rtt_docker_ms = measure_worker("docker", image)
    return report


def render_markdown(report: BenchReport) -> str:
    data = report.to_dict()
    lines = [
        "# Benchmarks: the cost of isolation",
        "",
        f"Measured {report.started_at} on {report.cores} cores; medians of {report.repeat} gradings per mode "
        "(each grading starts a fresh harness process; `docker` includes creating and removing its containers).",
        "",
        "| challenge | baseline (s) | local (s) | docker (s) | local/baseline | docker/local |",
        "|---|---|---|---|---|---|",
    ]
    for c in report.challenges:
        base, local, docker = c.median("baseline"), c.median("local"), c.median("docker")
        lines.append(
            f"| {c.slug} | {base:.2f} | {local:.2f} | {docker:.2f} | {local / base:.2f} | {docker / local:.2f} |"
        )
    ratios = data["ratios"]
    lines += [
        f"| **total** | {report.total('baseline'):.2f} | {report.total('local'):.2f} | {report.total('docker'):.2f} "
        f"| {ratios['local/baseline']:.2f} | {ratios['docker/local']:.2f} |",
        "",
        f"- docker/baseline: **{ratios['docker/baseline']:.2f}**",
        f"- container start to first answer: p50 {data['container_start_s'].get('p50', 0):.3f} s, "
        f"p95 {data['container_start_s'].get('p95', 0):.3f} s",
        f"- round trip per call: local p50 {data['rtt_ms']['local'].get('p50', 0):.3f} ms, "
        f"docker p50 {data['rtt_ms']['docker'].get('p50', 0):.3f} ms",
        f"- verdicts identical across modes: {'yes' if data['verdicts_agree'] else 'NO'}",
        "",
    ]
    return "\n".join(lines)


def write_report(report: BenchReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "bench.json"
    md_path = out_dir / "BENCHMARKS.md"
    json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_markdown(report), encoding="utf-8")
    return [json_path, md_path]
