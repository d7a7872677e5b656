"""`grader bench`: what isolation costs, measured in one run on this machine.

One batch of generated candidates (`grader.bench.plan`) is graded three ways with the same
pinned pytest and hypothesis and the same `--jobs`: `baseline` (plain pytest importing the
submission in the harness process: no worker, no channel, no isolation), `local` (the worker
as a subprocess) and `docker` (the worker in a container from the pre-built image). Each mode
and repetition runs in a fresh child process (`grader.bench.child`), the modes in a rotating
order so that a drift in the machine's load is shared out. Then: the grader process's peak
RSS at 1x and 4x a small batch, worker start and round-trip probes, and the image build when
asked. Verdicts must be identical in every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

from grader import __version__
from grader.api import SandboxChoice, grade, grade_files, now_iso, resolve_sandbox
from grader.bench.child import HARNESS_MODULES
from grader.bench.plan import (
    BenchSubmission,
    Screening,
    Variant,
    compare_in_process,
    compute_screening,
    cycle_to,
    load_pool,
    plan_batch,
)
from grader.bench.stats import (
    MODES,
    BenchConfig,
    BenchReport,
    DatabaseProbe,
    Environment,
    ImageBuild,
    MemoryScaling,
    ModeRun,
    WorkerProbe,
)
from grader.challenges import Challenge, discover, find_challenge, load_all, load_challenge
from grader.database import TestDatabase, ensure_server, ensure_template
from grader.errors import GraderError, HarnessError
from grader.harness.session import WorkerSession
from grader.resources import default_bank_dir
from grader.sandbox.base import Backend, Limits, WorkerSpec
from grader.sandbox.registry import make_backend
from grader.submission import compute_digest, read_submission

Log = Callable[[str], None]
SCREENING_FILE = "screening.json"
# Part of each screening's cache key: a change to what screening checks screens again.
SCREENING_RULES = "2: also in-process"
SCHEMA_VERSION = 1


def run_bench(config: BenchConfig, log: Log) -> BenchReport:
    """Run every phase; raise GraderError when something other than a verdict fails."""
    started_at, load_before = now_iso(), os.getloadavg()
    phases: list[tuple[str, float]] = []
    with _phase(phases, "image build", log):
        build = build_image_timed(log) if config.build else ImageBuild(None)
    image = resolve_sandbox(SandboxChoice("docker", config.image))
    challenges = [find_challenge(slug) for slug in config.slugs] if config.slugs else load_all()
    by_slug = {c.slug: c for c in challenges}
    with _phase(phases, "screening", log):
        batch, excluded = plan_batch(
            [load_pool(c) for c in challenges],
            config.candidates,
            config.seed,
            lambda variants: screen_variants(variants, by_slug, config, log),
        )
    if not batch:
        raise GraderError("nothing to benchmark: no challenge has a usable correct submission")
    graded = len({s.challenge for s in batch})
    log(f"batch: {len(batch)} submissions ({config.candidates} candidates x {graded} of {len(challenges)} challenges)")
    with _phase(phases, "modes", log):
        runs = run_modes(batch, by_slug, config, image.image, log)
    with _phase(phases, "memory", log):
        memory = measure_memory(batch, by_slug, config, image.image, log) if config.memory_batch else None
    with _phase(phases, "probes", log):
        probes = tuple(measure_worker(mode, image.image, config.starts, config.calls) for mode in ("local", "docker"))
        database = measure_database(config.starts * 3)
    environment = describe_environment(image.image, started_at, load_before)
    return BenchReport(
        config=config,
        environment=environment,
        bank_size=len(discover()),
        requested=tuple(c.slug for c in challenges),
        batch=batch,
        excluded=tuple(
            sorted(((v, s.reason) for v, s in excluded.items()), key=lambda e: (e[0].challenge, e[0].label))
        ),
        runs=runs,
        memory=memory,
        probes=probes,
        build=build,
        phases=tuple(phases),
        database=database,
    )


@contextmanager
def _phase(phases: list[tuple[str, float]], name: str, log: Log) -> Iterator[None]:
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    phases.append((name, round(seconds, 1)))
    log(f"[{name}] {seconds:.1f} s")


# ---------------------------------------------------------------- the image


def build_image_timed(log: Log) -> ImageBuild:
    """`grader image build`, timed; cold when the content-addressed tag was absent before."""
    from grader.sandbox.engine import docker_client
    from grader.sandbox.image import build_image, compute_image_tag

    client = docker_client()
    try:
        existed = bool(client.api.images(name=compute_image_tag(), quiet=True))
    finally:
        client.close()
    started = time.perf_counter()
    build_image(log=log)
    return ImageBuild(round(time.perf_counter() - started, 1), cold=not existed)


def describe_environment(image: str | None, started_at: str, load_before: tuple[float, float, float]) -> Environment:
    from grader.sandbox.image import image_info

    info = image_info(image)
    return Environment(
        cores=os.cpu_count() or 1,
        platform=platform.platform(),
        python=platform.python_version(),
        pytest=version("pytest"),
        hypothesis=version("hypothesis"),
        image_tag=info.tag,
        image_digest=info.digest,
        image_python=info.python_version,
        started_at=started_at,
        finished_at=now_iso(),
        load_before=load_before,
        load_after=os.getloadavg(),
    )


# ---------------------------------------------------------------- screening


def screening_key(variant: Variant, challenge: Challenge) -> str:
    files = read_submission(variant.path, challenge.entry)
    text = f"{__version__}\0{SCREENING_RULES}\0{challenge.digest()}\0{compute_digest(files)}"
    return hashlib.sha256(text.encode()).hexdigest()


def screen_variants(
    variants: Sequence[Variant], challenges: Mapping[str, Challenge], config: BenchConfig, log: Log
) -> dict[Variant, Screening]:
    """Grade each variant once with the local worker (cached in OUT/screening.json) and judge it."""
    cache_path = config.out_dir / SCREENING_FILE
    cache = _load_cache(cache_path)
    keys = {v: screening_key(v, challenges[v.challenge]) for v in variants}
    todo = [v for v in variants if keys[v] not in cache]
    if todo:
        log(f"screening {len(todo)} variants with the local worker ({len(variants) - len(todo)} cached)")

    def judge(variant: Variant) -> Screening:
        challenge = challenges[variant.challenge]
        try:
            result = grade(variant.path, challenge, sandbox=SandboxChoice("local"))
            screening = compute_screening(result)
            if not screening.eligible:
                return screening
            files = read_submission(variant.path, challenge.entry)
            in_process = grade_files(
                files, challenge, SandboxChoice("local"), harness_module=HARNESS_MODULES["baseline"]
            )
        except GraderError as exc:
            return Screening(False, f"grading failed: {str(exc)[:200]}")
        return compare_in_process(result, in_process)

    with ThreadPoolExecutor(max_workers=config.jobs, thread_name_prefix="screen") as pool:
        for variant, screening in zip(todo, pool.map(judge, todo), strict=True):
            cache[keys[variant]] = {"eligible": screening.eligible, "reason": screening.reason}
            if not screening.eligible:
                log(f"  left out {variant.challenge} {variant.label}: {screening.reason}")
    _save_cache(cache_path, cache)
    return {v: Screening(bool(cache[keys[v]]["eligible"]), str(cache[keys[v]]["reason"])) for v in variants}


def _load_cache(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    entries = data.get("entries") if isinstance(data, dict) and data.get("schema_version") == SCHEMA_VERSION else None
    return dict(entries) if isinstance(entries, dict) else {}


def _save_cache(path: Path, cache: Mapping[str, Mapping[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "entries": cache}, indent=1), encoding="utf-8")
    temporary.replace(path)


# ---------------------------------------------------------------- the three modes


def mode_order(repetition: int) -> tuple[str, ...]:
    """baseline, local, docker; then local, docker, baseline; ... (each mode in each slot)."""
    shift = repetition % len(MODES)
    return MODES[shift:] + MODES[:shift]


def run_modes(
    batch: Sequence[BenchSubmission],
    challenges: Mapping[str, Challenge],
    config: BenchConfig,
    image: str | None,
    log: Log,
) -> tuple[ModeRun, ...]:
    runs: list[ModeRun] = []
    for repetition in range(config.repeat):
        for mode in mode_order(repetition):
            data = run_child(mode, batch, challenges, config.jobs, image)
            run = ModeRun.from_child(repetition, data)
            runs.append(run)
            log(
                f"repetition {repetition + 1}/{config.repeat} {mode:8} {run.wall_s:7.1f} s "
                f"({len(batch)} submissions, jobs {config.jobs}, peak RSS {run.max_rss_mib:.0f} MiB)"
            )
    return tuple(runs)


def run_child(
    mode: str,
    batch: Sequence[BenchSubmission],
    challenges: Mapping[str, Challenge],
    jobs: int,
    image: str | None,
) -> dict[str, Any]:
    """Grade `batch` in a fresh `grader.bench.child` process; its report."""
    with tempfile.TemporaryDirectory(prefix="grader-bench-") as scratch:
        spec_path, out_path = Path(scratch) / "spec.json", Path(scratch) / "out.json"
        spec = {
            "mode": mode,
            "jobs": jobs,
            "image": image,
            "out": str(out_path),
            "submissions": [
                {"key": s.key, "challenge_root": str(challenges[s.challenge].root), "path": str(s.variant.path)}
                for s in batch
            ],
        }
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "grader.bench.child", str(spec_path)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if not out_path.exists():
            raise HarnessError(f"bench child for {mode} failed (exit {done.returncode}): {done.stderr[-1500:]}")
        data: dict[str, Any] = json.loads(out_path.read_text(encoding="utf-8"))
        return data


def measure_memory(
    batch: Sequence[BenchSubmission],
    challenges: Mapping[str, Challenge],
    config: BenchConfig,
    image: str | None,
    log: Log,
) -> MemoryScaling:
    """The docker-mode grader process's peak RSS for the first N submissions and for 4N."""
    base = config.memory_batch
    rss: list[float] = []
    for size in (base, 4 * base):
        data = run_child("docker", cycle_to(batch, size), challenges, config.jobs, image)
        rss.append(int(data["max_rss_kib"]) / 1024)
        log(f"memory: {size:4} submissions in docker, grader peak RSS {rss[-1]:.1f} MiB")
    return MemoryScaling("docker", base, rss[0], rss[1])


# ---------------------------------------------------------------- probes


def measure_database(count: int) -> DatabaseProbe:
    """`count` per-test databases of select-vs-prefetch made and dropped, and in each, 50 authors
    and 50 books loaded and one observed statement read back (the harness's side of a scenario)."""
    challenge = load_challenge(default_bank_dir() / "select-vs-prefetch")
    assert challenge.driver_dir is not None
    server = ensure_server()
    template = ensure_template(server, challenge.driver_dir)
    authors = [{"id": i, "name": f"author {i}"} for i in range(1, 51)]
    books = [{"id": i, "title": f"book {i}", "author_id": i} for i in range(1, 51)]
    provision: list[float] = []
    drop: list[float] = []
    scenario: list[float] = []
    for _ in range(count):
        tick = time.perf_counter()
        database = TestDatabase(server, template)
        provision.append((time.perf_counter() - tick) * 1000)
        try:
            tick = time.perf_counter()
            database.load({"library_author": authors, "library_book": books, "library_tag": []})
            with database.observe():
                database.query("SELECT count(*) FROM library_book")
            scenario.append((time.perf_counter() - tick) * 1000)
        finally:
            tick = time.perf_counter()
            database.drop()
            drop.append((time.perf_counter() - tick) * 1000)
    return DatabaseProbe(tuple(provision), tuple(drop), tuple(scenario))


def measure_worker(mode: str, image: str | None, starts: int, calls: int) -> WorkerProbe:
    """Seconds from asking for a worker to its first answer (a container is created, started and
    connects, then imports a one-line module), `starts` times; and `calls` round trips of
    `echo(1)` in the first worker, in milliseconds."""
    folder = Path(tempfile.mkdtemp(prefix="grader-bench-"))
    (folder / "solution.py").write_text("def echo(x):\n    return x\n", encoding="utf-8")
    folder.chmod(0o755)
    (folder / "solution.py").chmod(0o644)
    backend = make_backend(Backend(mode), image)
    start_times: list[float] = []
    rtts: list[float] = []
    per_test: list[float] = []
    try:
        for index in range(starts):
            session = WorkerSession(backend, WorkerSpec(folder, Limits(), f"bench-probe-{uuid.uuid4().hex[:8]}"))
            try:
                begin = time.perf_counter()
                echo = session.load("solution").echo
                start_times.append(time.perf_counter() - begin)
                if index == 0:
                    for _ in range(calls):
                        tick = time.perf_counter()
                        echo(1)
                        rtts.append((time.perf_counter() - tick) * 1000)
                    for _ in range(calls // 10):  # a fresh child per test: finish, fork, load, call
                        tick = time.perf_counter()
                        session.finish_test()
                        session.load("solution").echo(1)
                        per_test.append((time.perf_counter() - tick) * 1000)
            finally:
                session.close()
    finally:
        backend.close()
        (folder / "solution.py").unlink()
        folder.rmdir()
    return WorkerProbe(mode, tuple(start_times), tuple(rtts), tuple(per_test))
