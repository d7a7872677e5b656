"""`grader bench`'s pure parts: the batch, screening, statistics, verdicts, targets, rendering."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from grader.bench.plan import (
    BenchSubmission,
    Pool,
    Screening,
    Variant,
    VariantKind,
    compute_screening,
    cycle_to,
    distinct_variants,
    generate_batch,
    load_pool,
    plan_batch,
)
from grader.bench.render import render_command, render_markdown, report_to_dict, write_report
from grader.bench.run import _load_cache, _save_cache, build_image_timed, mode_order
from grader.bench.stats import (
    MODES,
    BenchConfig,
    BenchReport,
    Environment,
    Grading,
    ImageBuild,
    MemoryScaling,
    ModeRun,
    WorkerProbe,
    compare_verdicts,
    compute_spread,
    compute_summary,
    compute_targets,
    percentile,
)
from grader.challenges import find_challenge
from grader.cli import cli
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult, Timing

# ---------------------------------------------------------------- fixtures


def pool(slug: str, correct: int = 2, wrong: int = 3) -> Pool:
    return Pool(
        slug,
        (
            Variant(slug, VariantKind.REFERENCE, Path(f"/c/{slug}/reference")),
            *(
                Variant(slug, VariantKind.ALTERNATIVE, Path(f"/c/{slug}/alternatives/a{i}.py"))
                for i in range(correct - 1)
            ),
        ),
        tuple(Variant(slug, VariantKind.WRONG, Path(f"/c/{slug}/wrong/w{i}.py")) for i in range(wrong)),
    )


POOLS = (pool("alpha"), pool("beta"), pool("gamma", wrong=0))


def grading(key: str, seconds: float, outcomes: Mapping[str, str] | None = None, status: str = "graded") -> Grading:
    return Grading(key, seconds, status, tuple(sorted((outcomes or {"t1": "passed"}).items())), worker_starts=1)


def run(mode: str, repetition: int, wall: float, times: Mapping[str, float], rss: float = 60.0) -> ModeRun:
    return ModeRun(mode, repetition, wall, rss, tuple(grading(k, s) for k, s in times.items()))


def three_modes(scale: Mapping[str, float]) -> tuple[ModeRun, ...]:
    """Three repetitions of each mode; the mode's times are the baseline's times * scale[mode]."""
    base = {"a": 1.0, "b": 2.0, "c": 3.0}
    return tuple(
        run(mode, r, 10.0 * scale[mode] + r, {k: v * scale[mode] + 0.01 * r for k, v in base.items()})
        for r in range(3)
        for mode in MODES
    )


def result(*tests: TestResult, status: GradeStatus = GradeStatus.GRADED) -> GradeResult:
    return GradeResult(
        challenge="c",
        suite=Suite.HIDDEN,
        submission_sha256="0" * 64,
        status=status,
        score=0,
        max_score=1,
        percent=0,
        tests=tests,
        sandbox={},
        grader_version="0",
        started_at="",
        finished_at="",
        error="boom" if status is GradeStatus.ERROR else None,
    )


def report(runs: tuple[ModeRun, ...], tmp_path: Path, **changes: object) -> BenchReport:
    batch = tuple(
        BenchSubmission(i, v) for i, v in enumerate([POOLS[0].correct[0], POOLS[0].wrong[0], POOLS[1].correct[0]])
    )
    values: dict[str, object] = {
        "config": BenchConfig(slugs=("alpha", "beta"), candidates=2, jobs=2, out_dir=tmp_path),
        "environment": Environment(
            cores=2,
            platform="Linux",
            python="3.11.9",
            pytest="9.2.0",
            hypothesis="6.170.17",
            image_tag="grader-sandbox:abc",
            image_digest="sha256:" + "f" * 64,
            image_python="3.11.2",
            started_at="2026-01-01T00:00:00+00:00",
            finished_at="2026-01-01T00:10:00+00:00",
            load_before=(0.1, 0.2, 0.3),
            load_after=(1.0, 1.0, 1.0),
        ),
        "bank_size": 20,
        "requested": ("alpha", "beta", "gamma"),
        "batch": batch,
        "excluded": ((POOLS[0].wrong[1], "tests/test_x.py::test_fast: timeout"),),
        "runs": runs,
        "memory": MemoryScaling("docker", 4, 60.0, 62.0),
        "probes": (WorkerProbe("local", (0.05, 0.06), (0.05, 0.07)), WorkerProbe("docker", (0.5, 0.7), (0.1, 0.2))),
        "build": ImageBuild(42.0, cold=True),
        "phases": (("screening", 30.0), ("modes", 900.0), ("memory", 60.0), ("probes", 10.0)),
    }
    values.update(changes)
    return BenchReport(**values)  # type: ignore[arg-type]


# ---------------------------------------------------------------- statistics


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10
    assert percentile(values, 95) == 19
    assert percentile(values, 100) == 20
    assert percentile([3.0], 95) == 3.0
    assert math.isnan(percentile([], 50))


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50))
def test_spread_is_ordered_and_observed(values: list[float]) -> None:
    spread = compute_spread(values)
    assert spread.p50 <= spread.p95 <= spread.max == max(values)
    assert spread.p50 in values and spread.p95 in values
    assert spread.count == len(values)


def test_summary_ratios_latency_and_throughput() -> None:
    summary = compute_summary(three_modes({"baseline": 1.0, "local": 1.2, "docker": 1.5}), batch_size=3)
    assert summary.mode("baseline").median_wall_s == 11.0
    assert summary.mode("docker").median_wall_s == 16.0
    assert summary.ratio("docker", "baseline") == pytest.approx(16 / 11)
    assert summary.ratio("docker", "local") == pytest.approx(16 / 13)
    assert summary.mode("baseline").per_minute == pytest.approx(3 * 60 / 11)
    added = summary.added_latency("docker", "baseline")  # per key: 0.5 * (1, 2, 3)
    assert added.p50 == pytest.approx(1.0)
    assert added.p95 == added.max == pytest.approx(1.5)
    assert summary.mode("docker").worker_starts == 3


def test_summary_of_a_mode_that_never_ran_is_nan() -> None:
    summary = compute_summary([run("local", 0, 5.0, {"a": 1.0})], batch_size=1)
    assert math.isnan(summary.mode("docker").median_wall_s)
    assert math.isnan(summary.ratio("docker", "local"))


def test_memory_scaling_ratio_and_growth() -> None:
    memory = MemoryScaling("docker", 4, 60.0, 63.0)
    assert memory.ratio == pytest.approx(1.05)
    assert memory.per_submission_kib == pytest.approx(3 * 1024 / 12)


def test_targets_pass_and_fail() -> None:
    good = compute_targets(
        compute_summary(three_modes({"baseline": 1.0, "local": 1.05, "docker": 1.1}), 3),
        MemoryScaling("docker", 4, 60.0, 61.0),
    )
    assert [t.passed for t in good] == [True, True, True, True]
    assert good[0].stretch_passed is True
    bad = compute_targets(
        compute_summary(three_modes({"baseline": 1.0, "local": 1.0, "docker": 2.0}), 3),
        MemoryScaling("docker", 4, 10.0, 40.0),
    )
    assert [t.passed for t in bad] == [False, False, False, False]  # p95 added is 3 s; 4x is not sub-linear
    assert compute_targets(compute_summary(three_modes({m: 1.0 for m in MODES}), 3), None)[-1].unit == "s"


# ---------------------------------------------------------------- verdicts


def test_identical_verdicts_have_no_difference() -> None:
    assert compare_verdicts(three_modes({m: 1.0 for m in MODES})) == ()


def test_a_differing_outcome_is_named_with_its_runs() -> None:
    runs = [
        ModeRun("baseline", 0, 1.0, 1.0, (grading("c000/alpha", 1.0, {"t1": "passed", "t2": "failed"}),)),
        ModeRun("docker", 0, 1.0, 1.0, (grading("c000/alpha", 1.0, {"t1": "passed", "t2": "timeout"}),)),
        ModeRun("docker", 1, 1.0, 1.0, (grading("c000/alpha", 1.0, {"t1": "passed"}),)),
    ]
    differences = compare_verdicts(runs)
    assert [(d.key, d.test) for d in differences] == [("c000/alpha", "t2")]
    assert dict(differences[0].seen) == {"baseline#1": "failed", "docker#1": "timeout", "docker#2": "absent"}
    assert differences[0].describe() == "c000/alpha t2: failed in baseline#1; timeout in docker#1; absent in docker#2"


def test_a_differing_status_is_a_difference() -> None:
    runs = [
        ModeRun("local", 0, 1.0, 1.0, (grading("k", 1.0, {}, status="graded"),)),
        ModeRun("docker", 0, 1.0, 1.0, (grading("k", 1.0, {}, status="harness-error"),)),
    ]
    assert [d.test for d in compare_verdicts(runs)] == ["(status)"]


# ---------------------------------------------------------------- the batch


def test_batch_is_deterministic_and_half_correct() -> None:
    batch = generate_batch(POOLS[:2], candidates=4, seed=7)
    assert batch == generate_batch(POOLS[:2], candidates=4, seed=7)
    assert len(batch) == 8
    assert sum(s.variant.correct for s in batch) == 4
    assert [s.key for s in batch[:2]] == ["c000/alpha", "c000/beta"]
    assert any(generate_batch(POOLS[:2], candidates=4, seed=s) != batch for s in range(8, 12))


def test_a_pool_without_wrong_variants_gives_correct_ones() -> None:
    batch = generate_batch(POOLS, candidates=6, seed=0)
    assert all(s.variant.correct for s in batch if s.challenge == "gamma")


def test_a_pool_without_correct_variants_is_left_out() -> None:
    empty = Pool("delta", (), POOLS[0].wrong)
    assert {s.challenge for s in generate_batch([*POOLS, empty], 3, 0)} == {"alpha", "beta", "gamma"}


def test_removing_a_variant_changes_only_its_pool() -> None:
    before = generate_batch(POOLS, candidates=10, seed=1)
    dropped = next(s.variant for s in before if s.challenge == "alpha" and not s.variant.correct)
    after = generate_batch([POOLS[0].without(frozenset({dropped})), *POOLS[1:]], candidates=10, seed=1)
    assert [s for s in before if s.challenge != "alpha"] == [s for s in after if s.challenge != "alpha"]
    assert dropped not in distinct_variants(after)


def test_plan_batch_draws_again_without_ineligible_variants() -> None:
    screened: list[Variant] = []

    def screen(variants: Sequence[Variant]) -> dict[Variant, Screening]:
        screened.extend(variants)
        return {v: Screening(v.kind is not VariantKind.WRONG or v.path.name != "w0.py", "slow") for v in variants}

    batch, excluded = plan_batch(POOLS, candidates=12, seed=3, screen=screen)
    assert all(s.variant.path.name != "w0.py" for s in batch)
    assert set(excluded) == {v for v in screened if v.path.name == "w0.py"}
    assert len(screened) == len(set(screened))  # each variant is screened once
    assert set(distinct_variants(batch)) <= set(screened)


def test_plan_batch_treats_an_unscreened_variant_as_ineligible() -> None:
    batch, excluded = plan_batch(POOLS[:1], 4, 0, screen=lambda variants: {})
    assert batch == ()
    assert {s.reason for s in excluded.values()} == {"not screened"}


def test_cycle_to() -> None:
    batch = generate_batch(POOLS[:1], 3, 0)
    assert cycle_to(batch, 7) == batch * 2 + batch[:1]
    assert cycle_to((), 4) == ()


def test_load_pool_lists_reference_alternatives_and_wrong() -> None:
    loaded = load_pool(find_challenge("lru-cache"))
    assert loaded.correct[0].label == "reference"
    assert all(v.label.startswith("alternatives/") for v in loaded.correct[1:])
    assert loaded.wrong and all(v.label.startswith("wrong/") and not v.correct for v in loaded.wrong)


def test_mode_order_rotates() -> None:
    assert [mode_order(r) for r in range(4)] == [
        ("baseline", "local", "docker"),
        ("local", "docker", "baseline"),
        ("docker", "baseline", "local"),
        ("baseline", "local", "docker"),
    ]


# ---------------------------------------------------------------- screening


def test_screening_accepts_plain_failures() -> None:
    screening = compute_screening(
        result(TestResult("a", Outcome.PASSED), TestResult("b", Outcome.FAILED), TestResult("c", Outcome.ERROR))
    )
    assert screening == Screening(True)


@pytest.mark.parametrize("outcome", [Outcome.TIMEOUT, Outcome.CRASHED, Outcome.MEMORY])
def test_screening_refuses_what_the_baseline_cannot_give(outcome: Outcome) -> None:
    screening = compute_screening(result(TestResult("a", Outcome.PASSED), TestResult("b", outcome)))
    assert not screening.eligible and screening.reason == f"b: {outcome.value}"


def test_screening_refuses_a_performance_test_near_its_bound() -> None:
    fast = TestResult("p", Outcome.PASSED, timing=Timing(0.4, 1.0))
    near = TestResult("p", Outcome.PASSED, timing=Timing(0.6, 1.0))
    assert compute_screening(result(fast)).eligible
    assert compute_screening(result(near)) == Screening(False, "p: 0.60 s of a 1 s bound")


def test_screening_refuses_a_grading_that_did_not_complete() -> None:
    assert compute_screening(result(status=GradeStatus.ERROR)) == Screening(False, "status error: boom")


def test_screening_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out" / "screening.json"
    assert _load_cache(path) == {}
    _save_cache(path, {"k": {"eligible": False, "reason": "r"}})
    assert _load_cache(path) == {"k": {"eligible": False, "reason": "r"}}
    path.write_text('{"schema_version": 99, "entries": {"k": {}}}', encoding="utf-8")
    assert _load_cache(path) == {}


# ---------------------------------------------------------------- rendering


def test_markdown_has_every_measure_and_the_targets(tmp_path: Path) -> None:
    text = render_markdown(report(three_modes({"baseline": 1.0, "local": 1.1, "docker": 1.2}), tmp_path))
    for needle in (
        "| docker / baseline wall time | 1.18 | ≤ 1.5 (stretch ≤ 1.25) | pass (stretch: pass) |",
        "| docker / local wall time |",
        "| p95 added latency per submission (docker - baseline) |",
        "| grader peak RSS, 4x batch / 1x batch | 1.03 | < 4 | pass |",
        "| docker/baseline | local/baseline | docker/local |",
        "container start to first answer, creation included (ms) | 500.000 | 700.000 | 2 |",
        "RPC round trip, docker worker (ms)",
        "Image build (`grader image build`): 42.0 s (cold",
        "2 cores",
        "pytest 9.2.0",
        "Identical: every test outcome",
        "smaller than the issue's default (20 candidates x every challenge = 400 submissions)",
        "| alpha | wrong/w1.py | tests/test_x.py::test_fast: timeout |",
        "Challenges with no usable correct submission: gamma.",
        "submissions / min",
    ):
        assert needle in text, needle


def test_markdown_names_verdict_differences_and_failed_targets(tmp_path: Path) -> None:
    runs = list(three_modes({"baseline": 1.0, "local": 1.0, "docker": 2.0}))
    runs[-1] = ModeRun("docker", 2, 20.0, 60.0, (grading("a", 2.0, {"t1": "timeout"}), *runs[-1].gradings[1:]))
    text = render_markdown(report(tuple(runs), tmp_path))
    assert "**Not identical**: 1 (submission, test) outcomes differ" in text
    assert "`a t1: passed in baseline#1, local#1, docker#1" in text
    assert "| **FAIL** |" in text


def test_json_report_is_complete_and_serialisable(tmp_path: Path) -> None:
    data = report_to_dict(report(three_modes({"baseline": 1.0, "local": 1.1, "docker": 1.2}), tmp_path))
    assert json.loads(json.dumps(data)) == data
    assert data["schema_version"] == 1
    assert set(data["modes"]) == set(MODES)
    assert set(data["ratios"]) == {"docker/baseline", "local/baseline", "docker/local"}
    assert data["added_latency_s"]["docker - baseline"]["n"] == 3
    assert data["probes"]["docker"]["rtt_ms"]["p50"] == 0.1
    assert data["verdicts_identical"] is True
    assert data["memory"]["ratio"] == pytest.approx(62 / 60, abs=1e-3)
    assert data["environment"]["cores"] == 2
    assert data["command"] == "grader bench alpha beta --candidates 2 --jobs 2 --repeat 3 --seed 0 --memory-batch 4"


def test_write_report_writes_json_and_markdown_twice(tmp_path: Path) -> None:
    bench = report(three_modes({m: 1.0 for m in MODES}), tmp_path)
    paths = write_report(bench, tmp_path / "out", tmp_path / "BENCHMARKS.md")
    assert [p.name for p in paths] == ["bench.json", "BENCHMARKS.md", "BENCHMARKS.md"]
    assert paths[1].read_text(encoding="utf-8") == paths[2].read_text(encoding="utf-8")


def test_render_command_repeats_the_options() -> None:
    config = BenchConfig(candidates=4, jobs=2, build=True)
    assert render_command(config) == "grader bench --candidates 4 --jobs 2 --repeat 3 --seed 0 --memory-batch 4 --build"


def test_cli_refuses_fewer_than_three_repetitions() -> None:
    outcome = CliRunner().invoke(cli, ["bench", "--repeat", "2"])
    assert outcome.exit_code == 2
    assert "--repeat" in outcome.output


class _FakeClient:
    def __init__(self, images: list[str]) -> None:
        self.api = self
        self._images = images
        self.closed = False

    def images(self, name: str, quiet: bool) -> list[str]:
        return self._images

    def close(self) -> None:
        self.closed = True


@pytest.mark.parametrize(("images", "cold"), [([], True), (["sha256:1"], False)])
def test_build_is_timed_and_cold_when_the_tag_was_absent(
    monkeypatch: pytest.MonkeyPatch, images: list[str], cold: bool
) -> None:
    import grader.sandbox.engine as engine
    import grader.sandbox.image as image

    built: list[bool] = []
    monkeypatch.setattr(engine, "docker_client", lambda: _FakeClient(images))
    monkeypatch.setattr(image, "build_image", lambda log: built.append(True))
    build = build_image_timed(lambda message: None)
    assert built == [True]
    assert build.cold is cold and build.seconds is not None and build.seconds >= 0


@pytest.mark.parametrize(("differ", "code"), [(False, 0), (True, 1)])
def test_cli_writes_the_reports_and_exits_1_when_verdicts_differ(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, differ: bool, code: int
) -> None:
    import grader.bench.run

    runs = list(three_modes({m: 1.0 for m in MODES}))
    if differ:
        runs[0] = ModeRun("baseline", 0, 1.0, 1.0, (grading("a", 1.0, {"t1": "failed"}),))
    seen: list[BenchConfig] = []

    def fake_run_bench(config: BenchConfig, log: object) -> BenchReport:
        seen.append(config)
        return report(tuple(runs), tmp_path)

    monkeypatch.setattr(grader.bench.run, "run_bench", fake_run_bench)
    markdown = tmp_path / "BENCHMARKS.md"
    args = [
        "bench",
        "alpha",
        "--candidates",
        "2",
        "--jobs",
        "3",
        "--out",
        str(tmp_path / "o"),
        "--markdown",
        str(markdown),
    ]
    outcome = CliRunner().invoke(cli, args, standalone_mode=False, catch_exceptions=False)
    assert outcome.return_value == code, outcome.output
    assert seen[0].slugs == ("alpha",) and seen[0].candidates == 2 and seen[0].jobs == 3 and seen[0].repeat == 3
    assert (tmp_path / "o" / "bench.json").is_file() and markdown.is_file()
    assert "# Benchmarks: the cost of isolation" in outcome.output


def test_a_variant_whose_verdicts_differ_in_process_is_left_out() -> None:
    from grader.bench.plan import compare_in_process
    from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult

    def result(*outcomes: Outcome) -> GradeResult:
        tests = tuple(TestResult(f"t::{i}", o) for i, o in enumerate(outcomes))
        return GradeResult("c", Suite.HIDDEN, "s", GradeStatus.GRADED, 0, 1, 0, tests, {}, "0", "", "")

    same = compare_in_process(result(Outcome.PASSED, Outcome.FAILED), result(Outcome.PASSED, Outcome.FAILED))
    assert same.eligible
    leaked = compare_in_process(result(Outcome.PASSED, Outcome.PASSED), result(Outcome.PASSED, Outcome.FAILED))
    assert not leaked.eligible and leaked.reason == "t::1: failed in-process, passed isolated"


def test_the_cluster_bench_report_models_hosts_from_the_measured_host() -> None:
    from grader.bench.cluster import ClusterBench, ClusterRun, render_cluster_markdown

    bench = ClusterBench(
        started_at="2026-12-08T00:00:00+00:00",
        cores=2,
        sandbox="docker",
        slugs=("lru-cache",),
        candidates=10,
        runs=(
            ClusterRun("local-jobs2", 2, 20, 60.0, None),
            ClusterRun("cluster-1", 1, 20, 120.0, 8.0, 40.0, 9.0),
            ClusterRun("cluster-2", 2, 20, 62.0, 6.0, 35.0, 7.5),
        ),
        verdicts_differ=(),
    )
    text = render_cluster_markdown(bench)
    assert "| cluster-2 | 2 | 62.0 s | 19.4 | 1.03 | 6.0 ms (7.5 ms) | 35 ms |" in text
    # 1000 gradings a minute at 19.35 per host: 52 hosts; 10,000 x 6 ms of coordinator time.
    assert "about 52 such hosts" in text and "about 60 s" in text
    assert "identical in every run" in text
    assert bench.to_dict()["runs"][2]["per_minute"] == 19.35
