"""`grader bench --cluster` end to end on the toy bank with the local sandbox: a private broker,
a grading host per run, the same verdicts as the local batch, and a report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.api import SandboxChoice
from grader.bench.cluster import run_cluster_bench, write_cluster_report
from tests.batch.factory import make_bank

pytestmark = pytest.mark.slow


def test_the_cluster_bench_runs_every_mode_with_the_same_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    assert shutil.which("redis-server")  # redis_url skipped or failed the test already otherwise
    monkeypatch.setenv("GRADER_BANK", str(make_bank(tmp_path / "bank", ["toy-sum", "toy-sum-b"])))
    lines: list[str] = []
    bench = run_cluster_bench(
        ("toy-sum", "toy-sum-b"), 3, 0, SandboxChoice("local"), tmp_path / "out", lines.append, processes=(1, 2)
    )
    assert [run.label for run in bench.runs] == ["local-jobs2", "cluster-1", "cluster-2"]
    assert all(run.gradings == 6 and run.wall_s > 0 for run in bench.runs)
    assert bench.runs[0].coordinator_ms_per_grading is None
    assert all(run.coordinator_ms_per_grading is not None for run in bench.runs[1:])
    assert bench.verdicts_differ == ()
    json_path, md_path = write_cluster_report(bench, tmp_path / "out")
    assert json.loads(json_path.read_text())["candidates"] == 3
    assert "| cluster-2 | 2 |" in md_path.read_text()
    # Every run graded all six: each candidate's files differ, so no reply was shared.
    for label in ("local-jobs2", "cluster-1", "cluster-2"):
        assert len(list((tmp_path / "out" / label / "results").glob("*/*.json"))) == 6
