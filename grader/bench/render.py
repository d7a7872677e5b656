"""`grader bench`'s outputs: `bench.json` (everything) and the Markdown report. Pure, apart from
`write_report`."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from grader.bench.stats import (
    MODES,
    BenchConfig,
    BenchReport,
    Spread,
    Summary,
    Target,
    VerdictDifference,
    compare_verdicts,
    compute_spread,
    compute_summary,
    compute_targets,
)

SCHEMA_VERSION = 1
DEFAULT_CANDIDATES = BenchConfig().candidates
MAX_LISTED_DIFFERENCES = 50


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _spread_dict(spread: Spread, digits: int = 4) -> dict[str, Any]:
    def rounded(value: float) -> float | None:
        return None if math.isnan(value) else round(value, digits)

    return {"p50": rounded(spread.p50), "p95": rounded(spread.p95), "max": rounded(spread.max), "n": spread.count}


def render_command(config: BenchConfig) -> str:
    """The command line that repeats this run."""
    parts = ["grader", "bench", *config.slugs]
    parts += ["--candidates", str(config.candidates), "--jobs", str(config.jobs), "--repeat", str(config.repeat)]
    parts += ["--seed", str(config.seed), "--memory-batch", str(config.memory_batch)]
    if config.build:
        parts.append("--build")
    return " ".join(parts)


# ---------------------------------------------------------------- JSON


def report_to_dict(report: BenchReport) -> dict[str, Any]:
    summary = compute_summary(report.runs, len(report.batch))
    differences = compare_verdicts(report.runs)
    return {
        "schema_version": SCHEMA_VERSION,
        "config": _jsonable(asdict(report.config)),
        "command": render_command(report.config),
        "environment": _jsonable(asdict(report.environment)),
        "bank_size": report.bank_size,
        "challenges": list(report.challenges),
        "skipped_challenges": list(report.skipped),
        "batch": [
            {"key": s.key, "candidate": s.candidate, "challenge": s.challenge, "variant": s.variant.label}
            for s in report.batch
        ],
        "excluded_variants": [
            {"challenge": v.challenge, "variant": v.label, "reason": reason} for v, reason in report.excluded
        ],
        "modes": {
            m.mode: {
                "wall_s": list(m.wall_s),
                "median_wall_s": round(m.median_wall_s, 3),
                "submissions_per_minute": round(m.per_minute, 2),
                "grader_peak_rss_mib": round(m.max_rss_mib, 1),
                "worker_starts": m.worker_starts,
            }
            for m in summary.modes
        },
        "ratios": {r.name: round(r.value, 3) for r in summary.ratios},
        "added_latency_s": {a.name: _spread_dict(a.spread) for a in summary.added},
        "memory": None
        if report.memory is None
        else {
            **asdict(report.memory),
            "ratio": round(report.memory.ratio, 3),
            "per_submission_kib": round(report.memory.per_submission_kib, 2),
        },
        "probes": {
            p.mode: {
                "start_to_first_answer_s": _spread_dict(compute_spread(p.starts_s)),
                "rtt_ms": _spread_dict(compute_spread(p.rtt_ms)),
                "per_test_process_ms": _spread_dict(compute_spread(p.per_test_ms)) if p.per_test_ms else None,
            }
            for p in report.probes
        },
        "database_ms": None
        if report.database is None
        else {
            "provision": _spread_dict(compute_spread(report.database.provision_ms)),
            "drop": _spread_dict(compute_spread(report.database.drop_ms)),
            "load_observe": _spread_dict(compute_spread(report.database.load_observe_ms)),
        },
        "image_build": asdict(report.build),
        "targets": [_target_dict(t) for t in compute_targets(summary, report.memory)],
        "verdicts_identical": not differences,
        "verdict_differences": [
            {"key": d.key, "test": d.test, "seen": dict(d.seen)} for d in differences[:MAX_LISTED_DIFFERENCES]
        ],
        "phases_s": dict(report.phases),
        "runs": [
            {
                "mode": run.mode,
                "repetition": run.repetition + 1,
                "wall_s": run.wall_s,
                "grader_peak_rss_mib": round(run.max_rss_mib, 1),
                "gradings": [
                    {"key": g.key, "seconds": g.seconds, "status": g.status, "worker_starts": g.worker_starts}
                    for g in run.gradings
                ],
            }
            for run in report.runs
        ],
    }


def _jsonable(value: Any) -> Any:
    """Tuples as lists and paths as strings, so that the dict equals its JSON round trip."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return str(value) if isinstance(value, Path) else value


def _target_dict(target: Target) -> dict[str, Any]:
    return {
        "measure": target.measure,
        "value": None if math.isnan(target.value) else round(target.value, 3),
        "limit": target.limit,
        "comparison": "<" if target.strict else "<=",
        "stretch": target.stretch,
        "passed": target.passed,
        "stretch_passed": target.stretch_passed,
    }


# ---------------------------------------------------------------- Markdown


def render_markdown(report: BenchReport) -> str:
    summary = compute_summary(report.runs, len(report.batch))
    differences = compare_verdicts(report.runs)
    sections = [
        _render_header(report),
        _render_targets(compute_targets(summary, report.memory)),
        _render_modes(summary),
        _render_costs(report, summary),
        _render_verdicts(report, differences),
        _render_scale(report),
        _render_method(report),
        _render_excluded(report),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _render_header(report: BenchReport) -> str:
    env, config = report.environment, report.config
    correct = sum(1 for s in report.batch if s.variant.correct)
    load = " / ".join(f"{a:.1f}" for a in env.load_before), " / ".join(f"{a:.1f}" for a in env.load_after)
    return "\n".join(
        [
            "# Benchmarks: the cost of isolation",
            "",
            "Generated by `grader bench` (`make bench`); do not edit by hand.",
            "",
            f"- Run: {env.started_at} to {env.finished_at}, `{render_command(config)}`",
            f"- Machine: {env.cores} cores, {env.platform}; load average (1/5/15 min) {load[0]} before, "
            f"{load[1]} after",
            f"- Versions: Python {env.python} (worker {env.image_python}), pytest {env.pytest}, "
            f"hypothesis {env.hypothesis}; image `{env.image_tag}` ({env.image_digest[:19]})",
            f"- Batch: {config.candidates} candidates x {len(report.challenges)} challenges = {len(report.batch)} "
            f"submissions ({correct} correct, {len(report.batch) - correct} wrong), seed {config.seed}; "
            f"`--jobs {config.jobs}` in every mode; median of {config.repeat} repetitions",
        ]
    )


def _render_targets(targets: tuple[Target, ...]) -> str:
    lines = ["## Against the targets (set for a 2-core machine)", "", "| measure | value | target | result |"]
    lines.append("|---|---|---|---|")
    for t in targets:
        unit = f" {t.unit}" if t.unit else ""
        goal = f"{'<' if t.strict else '≤'} {t.limit:g}{unit}"
        result = "pass" if t.passed else "**FAIL**"
        if t.stretch is not None:
            goal += f" (stretch ≤ {t.stretch:g})"
            result += f" (stretch: {'pass' if t.stretch_passed else 'not met'})"
        lines.append(f"| {t.measure} | {_num(t.value)}{unit} | {goal} | {result} |")
    return "\n".join(lines)


def _render_modes(summary: Summary) -> str:
    lines = [
        "## Wall time per mode",
        "",
        "| mode | median wall (s) | each repetition (s) | submissions / min | grader peak RSS (MiB) | worker starts |",
        "|---|---|---|---|---|---|",
    ]
    for m in summary.modes:
        reps = ", ".join(_num(w, 1) for w in m.wall_s)
        starts = "none (in-process)" if m.mode == "baseline" else str(m.worker_starts)
        lines.append(
            f"| {m.mode} | {_num(m.median_wall_s, 1)} | {reps} | {_num(m.per_minute, 1)} | "
            f"{_num(m.max_rss_mib, 1)} | {starts} |"
        )
    lines += ["", "| " + " | ".join(r.name for r in summary.ratios) + " |", "|---|---|---|"]
    lines.append("| " + " | ".join(_num(r.value) for r in summary.ratios) + " |")
    lines += [
        "",
        "Added latency per submission (its median time in one mode minus its median time in the other):",
        "",
        "| | p50 (s) | p95 (s) | max (s) |",
        "|---|---|---|---|",
    ]
    for a in summary.added:
        lines.append(f"| {a.name} | {_num(a.spread.p50)} | {_num(a.spread.p95)} | {_num(a.spread.max)} |")
    return "\n".join(lines)


def _render_costs(report: BenchReport, summary: Summary) -> str:
    lines = ["## Where isolation costs", "", "| measure | p50 | p95 | n |", "|---|---|---|---|"]
    docker, local = report.probe("docker"), report.probe("local")
    rows: list[tuple[str, Spread, int]] = []
    if docker is not None:
        rows.append(("container start to first answer, creation included (ms)", compute_spread(docker.starts_s), 1000))
    if local is not None:
        rows.append(("local worker start to first answer (ms)", compute_spread(local.starts_s), 1000))
        rows.append(("RPC round trip, local worker (ms)", compute_spread(local.rtt_ms), 1))
    if docker is not None:
        rows.append(("RPC round trip, docker worker (ms)", compute_spread(docker.rtt_ms), 1))
    for probe in (local, docker):
        if probe is not None and probe.per_test_ms:
            name = f"a fresh process per test, {probe.mode} worker (ms: finish, fork, load, one call)"
            rows.append((name, compute_spread(probe.per_test_ms), 1))
    if report.database is not None:
        rows.append(
            (
                "a test's PostgreSQL database and role made, from the template (ms)",
                compute_spread(report.database.provision_ms),
                1,
            )
        )
        rows.append(("a test's PostgreSQL database and role dropped (ms)", compute_spread(report.database.drop_ms), 1))
        rows.append(
            (
                "100 rows loaded as the owner, statements read from the server's log (ms)",
                compute_spread(report.database.load_observe_ms),
                1,
            )
        )
    for name, spread, scale in rows:
        lines.append(f"| {name} | {_num(spread.p50 * scale, 3)} | {_num(spread.p95 * scale, 3)} | {spread.count} |")
    lines.append("")
    build = report.build
    if build.seconds is None:
        lines.append("- Image build: not timed in this run (`grader bench --build` times it; `make bench` does).")
    else:
        kind = "cold: the image did not exist" if build.cold else "warm: the image existed, Docker's cache was used"
        lines.append(
            f"- Image build (`grader image build`): {build.seconds:.1f} s ({kind}); not part of any wall time."
        )
    memory = report.memory
    if memory is not None:
        lines.append(
            f"- Grader peak RSS ({memory.mode}): {memory.rss_1x_mib:.1f} MiB for {memory.base} submissions, "
            f"{memory.rss_4x_mib:.1f} MiB for {4 * memory.base}: x{_num(memory.ratio)} for 4x the batch, "
            f"{_num(memory.per_submission_kib, 1)} KiB per extra submission."
        )
    starts = summary.mode("docker").worker_starts
    lines.append(
        f"- Worker starts per docker batch: {starts} for {summary.batch_size} submissions "
        "(one per grading, plus one after each test that killed its worker)."
    )
    return "\n".join(lines)


def _render_verdicts(report: BenchReport, differences: tuple[VerdictDifference, ...]) -> str:
    runs = len(report.runs)
    if not differences:
        return (
            f"## Verdicts\n\nIdentical: every test outcome of each of the {len(report.batch)} submissions is the same "
            f"in all {runs} runs ({len(MODES)} modes x {report.config.repeat} repetitions)."
        )
    lines = [
        "## Verdicts",
        "",
        f"**Not identical**: {len(differences)} (submission, test) outcomes differ between runs; the bench fails.",
        "",
    ]
    lines += [f"- `{d.describe()}`" for d in differences[:MAX_LISTED_DIFFERENCES]]
    if len(differences) > MAX_LISTED_DIFFERENCES:
        lines.append(f"- ... and {len(differences) - MAX_LISTED_DIFFERENCES} more (bench.json)")
    return "\n".join(lines)


def _render_scale(report: BenchReport) -> str:
    config = report.config
    phases = dict(report.phases)
    lines = ["## Scale of this run", ""]
    lines.append(
        "Time spent: "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in report.phases)
        + f" ({sum(phases.values()) / 60:.0f} min in all)."
    )
    default_size = DEFAULT_CANDIDATES * report.bank_size
    if len(report.batch) < default_size and report.batch:
        per_submission = phases.get("modes", 0.0) / len(report.batch)
        hours = per_submission * default_size / 3600
        lines += [
            "",
            f"This batch is smaller than the issue's default ({DEFAULT_CANDIDATES} candidates x every challenge = "
            f"{default_size} submissions). At this run's pace ({per_submission:.0f} s per submission for "
            f"{len(MODES)} modes x {config.repeat} repetitions) the default would take about {hours:.1f} h of "
            "grading alone, so `make bench` passes a smaller `--candidates` to stay near an hour on 2 cores; "
            "`grader bench` with no options runs the full default.",
        ]
    return "\n".join(lines)


def _render_method(report: BenchReport) -> str:
    return "\n".join(
        [
            "## How it is measured",
            "",
            "- **baseline**: for each submission, a fresh pytest process runs the hidden suite with the submission "
            "imported into it (`grader.bench.baseline`): the same suite, plugin, hypothesis settings and pinned "
            "versions, no worker, no channel, no isolation. **local**: the grader with the worker as a subprocess. "
            "**docker**: the grader with the worker in a container of the pre-built image; each grading's "
            "containers are created, started and removed inside its time.",
            "- Each mode's batch runs in a fresh child process (`grader.bench.child`) with the same `--jobs` "
            "gradings at a time; wall time is from the first grading's start to the last one's end. The order "
            "of the modes rotates between repetitions, so slow drifts of the machine's load hit every mode.",
            "- *Grader process* means that child: it orchestrates the batch and holds every result until the end. "
            "Its peak RSS is `getrusage(RUSAGE_SELF).ru_maxrss`; the harness and worker processes are not counted. "
            "Memory growth is measured in docker mode for N and 4N submissions (`--memory-batch N`, the batch "
            "cycled), not at the full batch, to bound time.",
            "- Percentiles are nearest-rank (an observed value). Added latency pairs each submission with itself: "
            "its median over the repetitions in one mode minus its median in the other.",
            "- Probes: `--starts` workers started one after another, from the request to the first answer "
            "(container created, started, connected, a one-line module imported); `--calls` round trips of "
            "`echo(1)` in one worker.",
            "- **Verdicts**: every test's outcome (and each grading's status) must be identical across all "
            "modes and repetitions, or the command exits 1 naming the submission and test. The in-process baseline "
            "has no per-call time limit and no process to lose, so a submission whose verdict is a timeout, a crash "
            "or a memory limit cannot be compared, and one whose performance test comes near its bound would be "
            "graded on speed, which is what differs between modes. So before the batch is drawn, every variant it "
            "draws is graded once with the local worker (cached in `OUT/screening.json`: delete it to screen again "
            "on another machine) and left out if any test is "
            "timeout/crashed/memory or any performance test takes more than half its bound; the draw is repeated "
            "without it. This leaves out wrong-complexity variants, whose grading time is the submission's own "
            "slowness rather than isolation: the ratios are, if anything, pessimistic.",
        ]
    )


def _render_excluded(report: BenchReport) -> str:
    if not report.excluded and not report.skipped:
        return ""
    lines = ["## Left out by screening", ""]
    if report.skipped:
        lines += [f"Challenges with no usable correct submission: {', '.join(report.skipped)}.", ""]
    if report.excluded:
        lines += ["| challenge | variant | why |", "|---|---|---|"]
        for variant, reason in report.excluded:
            lines.append(f"| {variant.challenge} | {variant.label} | {reason.replace('|', '/')[:200]} |")
    return "\n".join(lines)


def write_report(report: BenchReport, out_dir: Path, markdown: Path | None = None) -> list[Path]:
    """`OUT/bench.json`, `OUT/BENCHMARKS.md`, and the Markdown again at `markdown` when given."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "bench.json"
    json_path.write_text(json.dumps(report_to_dict(report), indent=2) + "\n", encoding="utf-8")
    text = render_markdown(report)
    paths = [json_path]
    for path in [out_dir / "BENCHMARKS.md"] + ([markdown] if markdown is not None else []):
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
