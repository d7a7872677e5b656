"""What `grader bench` measured, and the pure arithmetic on it: medians, percentiles, ratios,
per-submission added latency, verdict comparison and the targets of the benchmark issue."""

from __future__ import annotations

import math
import os
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.bench.plan import BenchSubmission, Variant

MODES = ("baseline", "local", "docker")
RATIOS = (("docker", "baseline"), ("local", "baseline"), ("docker", "local"))
LATENCY_PAIRS = (("docker", "baseline"), ("local", "baseline"), ("docker", "local"))
HARNESS_ERROR = "harness-error"


@dataclass(frozen=True, slots=True)
class Grading:
    """One submission graded once in one mode."""

    key: str
    seconds: float
    status: str
    outcomes: tuple[tuple[str, str], ...]
    worker_starts: int = 0
    error: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Grading:
        return cls(
            key=str(data["key"]),
            seconds=float(data["seconds"]),
            status=str(data["status"]),
            outcomes=tuple(sorted((str(k), str(v)) for k, v in dict(data["outcomes"]).items())),
            worker_starts=int(data.get("worker_starts", 0)),
            error=data.get("error"),
        )


@dataclass(frozen=True, slots=True)
class ModeRun:
    """One mode's batch, one repetition: a child process's report."""

    mode: str
    repetition: int
    wall_s: float
    max_rss_mib: float
    gradings: tuple[Grading, ...]

    @classmethod
    def from_child(cls, repetition: int, data: Mapping[str, Any]) -> ModeRun:
        return cls(
            mode=str(data["mode"]),
            repetition=repetition,
            wall_s=float(data["wall_s"]),
            max_rss_mib=int(data["max_rss_kib"]) / 1024,
            gradings=tuple(Grading.from_dict(row) for row in data["gradings"]),
        )

    @property
    def label(self) -> str:
        return f"{self.mode}#{self.repetition + 1}"


@dataclass(frozen=True, slots=True)
class Spread:
    """p50, p95 and the maximum of a sample (nearest-rank percentiles: observed values)."""

    p50: float
    p95: float
    max: float
    count: int


@dataclass(frozen=True, slots=True)
class ModeSummary:
    mode: str
    wall_s: tuple[float, ...]
    median_wall_s: float
    per_minute: float
    max_rss_mib: float
    worker_starts: int


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: str
    denominator: str
    value: float

    @property
    def name(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True, slots=True)
class AddedLatency:
    """Per submission: median seconds in `slower` minus median seconds in `faster`."""

    slower: str
    faster: str
    spread: Spread

    @property
    def name(self) -> str:
        return f"{self.slower} - {self.faster}"


@dataclass(frozen=True, slots=True)
class Summary:
    batch_size: int
    modes: tuple[ModeSummary, ...]
    ratios: tuple[Ratio, ...]
    added: tuple[AddedLatency, ...]

    def mode(self, name: str) -> ModeSummary:
        return next(m for m in self.modes if m.mode == name)

    def ratio(self, numerator: str, denominator: str) -> float:
        return next(r.value for r in self.ratios if (r.numerator, r.denominator) == (numerator, denominator))

    def added_latency(self, slower: str, faster: str) -> Spread:
        return next(a.spread for a in self.added if (a.slower, a.faster) == (slower, faster))


@dataclass(frozen=True, slots=True)
class MemoryScaling:
    """Peak RSS of the grader process for a batch of `base` and of 4 x `base` submissions."""

    mode: str
    base: int
    rss_1x_mib: float
    rss_4x_mib: float

    @property
    def ratio(self) -> float:
        return self.rss_4x_mib / self.rss_1x_mib if self.rss_1x_mib else math.nan

    @property
    def per_submission_kib(self) -> float:
        """Growth per extra submission held (can be ~0 or negative: RSS is page-granular)."""
        return (self.rss_4x_mib - self.rss_1x_mib) * 1024 / (3 * self.base) if self.base else math.nan


@dataclass(frozen=True, slots=True)
class WorkerProbe:
    """Worker start to first answer (s), round trips of a one-argument call (ms), and what a test
    costs for its own process (ms: end the test, fork the next child, load the module, one call)."""

    mode: str
    starts_s: tuple[float, ...]
    rtt_ms: tuple[float, ...]
    per_test_ms: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class DatabaseProbe:
    """What a test on the grader's PostgreSQL costs the harness (ms): its database and role made
    (from the challenge's template, with the owner's connection), dropped, and one scenario's rows
    loaded and its statements read back from the server's log."""

    provision_ms: tuple[float, ...]
    drop_ms: tuple[float, ...]
    load_observe_ms: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Target:
    measure: str
    value: float
    limit: float
    unit: str = ""
    strict: bool = False  # `<` instead of `<=`
    stretch: float | None = None

    @property
    def passed(self) -> bool:
        return self.value < self.limit if self.strict else self.value <= self.limit

    @property
    def stretch_passed(self) -> bool | None:
        return None if self.stretch is None else self.value <= self.stretch


@dataclass(frozen=True, slots=True)
class VerdictDifference:
    """A test (or a grading's status) whose outcome is not the same in every run."""

    key: str
    test: str
    seen: tuple[tuple[str, str], ...]  # (run label, outcome)

    def describe(self) -> str:
        groups: dict[str, list[str]] = {}
        for label, outcome in self.seen:
            groups.setdefault(outcome, []).append(label)
        return f"{self.key} {self.test}: " + "; ".join(f"{o} in {', '.join(ls)}" for o, ls in groups.items())


# ---------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (0 < q <= 100): the smallest value with q% of the sample at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def compute_spread(values: Sequence[float]) -> Spread:
    if not values:
        return Spread(math.nan, math.nan, math.nan, 0)
    return Spread(percentile(values, 50), percentile(values, 95), max(values), len(values))


def median_seconds_by_key(runs: Iterable[ModeRun]) -> dict[str, float]:
    """Each submission's median grading time over the given runs (of one mode)."""
    times: dict[str, list[float]] = {}
    for run in runs:
        for grading in run.gradings:
            times.setdefault(grading.key, []).append(grading.seconds)
    return {key: statistics.median(values) for key, values in times.items()}


def compute_added(runs: Sequence[ModeRun], slower: str, faster: str) -> AddedLatency:
    slow = median_seconds_by_key(r for r in runs if r.mode == slower)
    fast = median_seconds_by_key(r for r in runs if r.mode == faster)
    return AddedLatency(slower, faster, compute_spread([slow[k] - fast[k] for k in slow if k in fast]))


def summarise_mode(runs: Sequence[ModeRun], mode: str, batch_size: int) -> ModeSummary:
    mine = [r for r in runs if r.mode == mode]
    walls = tuple(r.wall_s for r in mine)
    median_wall = statistics.median(walls) if walls else math.nan
    return ModeSummary(
        mode=mode,
        wall_s=walls,
        median_wall_s=median_wall,
        per_minute=batch_size * 60 / median_wall if median_wall else math.nan,
        max_rss_mib=statistics.median([r.max_rss_mib for r in mine]) if mine else math.nan,
        worker_starts=max((sum(g.worker_starts for g in r.gradings) for r in mine), default=0),
    )


def compute_summary(runs: Sequence[ModeRun], batch_size: int) -> Summary:
    modes = tuple(summarise_mode(runs, mode, batch_size) for mode in MODES)
    walls = {m.mode: m.median_wall_s for m in modes}
    ratios = tuple(Ratio(n, d, walls[n] / walls[d] if walls[d] else math.nan) for n, d in RATIOS)
    added = tuple(compute_added(runs, slower, faster) for slower, faster in LATENCY_PAIRS)
    return Summary(batch_size, modes, ratios, added)


# ---------------------------------------------------------------- verdicts


def _verdict(grading: Grading) -> dict[str, str]:
    verdict = dict(grading.outcomes)
    verdict["(status)"] = grading.status
    return verdict


def compare_verdicts(runs: Sequence[ModeRun]) -> tuple[VerdictDifference, ...]:
    """Every (submission, test) whose outcome differs between any two runs, modes or repetitions.

    A test missing from one run counts as the outcome "absent"; a grading's status is compared
    as the pseudo-test "(status)".
    """
    by_key: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for run in runs:
        for grading in run.gradings:
            by_key.setdefault(grading.key, []).append((run.label, _verdict(grading)))
    differences: list[VerdictDifference] = []
    for key, seen in by_key.items():
        tests = sorted({test for _label, verdict in seen for test in verdict})
        for test in tests:
            outcomes = tuple((label, verdict.get(test, "absent")) for label, verdict in seen)
            if len({outcome for _label, outcome in outcomes}) > 1:
                differences.append(VerdictDifference(key, test, outcomes))
    return tuple(differences)


# ---------------------------------------------------------------- targets


def compute_targets(summary: Summary, memory: MemoryScaling | None) -> tuple[Target, ...]:
    """The benchmark issue's targets (set for a 2-core machine)."""
    targets = [
        Target("docker / baseline wall time", summary.ratio("docker", "baseline"), 1.5, stretch=1.25),
        Target("docker / local wall time", summary.ratio("docker", "local"), 1.25),
        Target(
            "p95 added latency per submission (docker - baseline)",
            summary.added_latency("docker", "baseline").p95,
            1.0,
            unit="s",
        ),
    ]
    if memory is not None:
        targets.append(Target("grader peak RSS, 4x batch / 1x batch", memory.ratio, 4.0, strict=True))
    return tuple(targets)


# ---------------------------------------------------------------- the whole run


@dataclass(frozen=True, slots=True)
class ImageBuild:
    """`grader image build` timed by `--build`; `cold` when the tag did not exist before."""

    seconds: float | None
    cold: bool | None = None


@dataclass(frozen=True, slots=True)
class Environment:
    cores: int
    platform: str
    python: str
    pytest: str
    hypothesis: str
    image_tag: str
    image_digest: str
    image_python: str
    started_at: str
    finished_at: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """The options of one `grader bench` run (the CLI's defaults are the issue's)."""

    slugs: tuple[str, ...] = ()
    candidates: int = 20
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    repeat: int = 3
    seed: int = 0
    memory_batch: int = 4
    starts: int = 10
    calls: int = 500
    build: bool = False
    image: str | None = None
    out_dir: Path = Path("out/bench")
    markdown: Path | None = None


@dataclass(frozen=True, slots=True)
class BenchReport:
    config: BenchConfig
    environment: Environment
    bank_size: int
    """Challenges in the bank: what the default run (every challenge) would grade."""
    requested: tuple[str, ...]
    batch: tuple[BenchSubmission, ...]
    excluded: tuple[tuple[Variant, str], ...]
    runs: tuple[ModeRun, ...]
    memory: MemoryScaling | None
    probes: tuple[WorkerProbe, ...]
    build: ImageBuild
    phases: tuple[tuple[str, float], ...]
    """Seconds spent in each phase of the bench itself."""
    database: DatabaseProbe | None = None

    @property
    def challenges(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.challenge for s in self.batch))

    @property
    def skipped(self) -> tuple[str, ...]:
        """Requested challenges left out of the batch: none of their correct submissions passed screening."""
        return tuple(slug for slug in self.requested if slug not in self.challenges)

    def probe(self, mode: str) -> WorkerProbe | None:
        return next((p for p in self.probes if p.mode == mode), None)
