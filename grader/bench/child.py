"""One mode of `grader bench`, in its own process: grade a batch with `jobs` at a time.

    python -m grader.bench.child SPEC.json

This process is "the grader process" of the benchmark: it plans nothing, it grades the given
submissions through the same path as `grader grade` (a fresh harness subprocess per grading,
`grade_files`), holds every result until the end like a batch does,
and reports its own peak RSS (the harness and worker processes are not counted: they are
separate processes that come and go). A fresh process per mode and repetition also means no
mode inherits another's warm state.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.api import HARNESS_MODULE, SandboxChoice, grade_files
from grader.challenges import Challenge, load_challenge
from grader.errors import GraderError
from grader.models import GradeResult
from grader.submission import read_submission

HARNESS_MODULES = {
    "baseline": "grader.bench.baseline",
    "local": HARNESS_MODULE,
    "docker": HARNESS_MODULE,
}


@dataclass(frozen=True, slots=True)
class Job:
    key: str
    challenge: Challenge
    path: Path


def sandbox_for(mode: str, image: str | None) -> SandboxChoice:
    """The baseline's harness never starts a worker; its choice only fills the spec."""
    return SandboxChoice("docker", image) if mode == "docker" else SandboxChoice("local")


def grade_one(job: Job, mode: str, choice: SandboxChoice, run_prefix: str) -> tuple[dict[str, Any], GradeResult | None]:
    """Grade one submission; an infrastructure failure is recorded, not raised."""
    started = time.perf_counter()
    result: GradeResult | None = None
    error: str | None = None
    try:
        files = read_submission(job.path, job.challenge.entry)
        job.challenge.module_rules().check(files)
        result = grade_files(
            files, job.challenge, choice, run_id=f"{run_prefix}{uuid.uuid4().hex[:8]}",
            harness_module=HARNESS_MODULES[mode],
        )  # fmt: skip
    except (GraderError, OSError) as exc:
        error = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
    seconds = time.perf_counter() - started
    row: dict[str, Any] = {
        "key": job.key,
        "seconds": round(seconds, 4),
        "status": result.status.value if result is not None else "harness-error",
        "error": error if result is None else result.error,
        "outcomes": {t.id: t.outcome.value for t in result.tests} if result is not None else {},
        "worker_starts": int(result.extra.get("worker_starts", 0)) if result is not None else 0,
    }
    return row, result


def run(spec: dict[str, Any]) -> dict[str, Any]:
    challenges = {root: load_challenge(Path(root)) for root in {s["challenge_root"] for s in spec["submissions"]}}
    jobs = [Job(s["key"], challenges[s["challenge_root"]], Path(s["path"])) for s in spec["submissions"]]
    mode = spec["mode"]
    choice = sandbox_for(mode, spec.get("image"))
    prefix = f"bench-{mode}-{uuid.uuid4().hex[:6]}-"
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=spec["jobs"], thread_name_prefix="bench") as pool:
        graded = list(pool.map(lambda job: grade_one(job, mode, choice, prefix), jobs))
    wall = time.perf_counter() - started
    held = [result for _row, result in graded]  # every result stays in memory until here, as in a batch
    return {
        "mode": mode,
        "wall_s": round(wall, 4),
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "results_held": sum(1 for r in held if r is not None),
        "gradings": [row for row, _result in graded],
    }


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    Path(spec["out"]).write_text(json.dumps(run(spec)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
