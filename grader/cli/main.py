"""The `grader` command line: parse, call the API, render, exit. No grading logic here."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from grader import __version__, api
from grader.bank.verify import Check, VerifyProgress
from grader.batch.redflags import submitted_code
from grader.challenges import Challenge, Kind, discover, find_challenge, load_all
from grader.cli.batch import assessment_group, batch_command, feedback_command
from grader.cli.cluster import cluster_group, worker_command
from grader.cli.common import (
    EXIT_CODES_HELP,
    check_output_dir,
    check_output_file,
    complete_slug,
    err,
    hidden_feedback_option,
    image_option,
    out,
    sandbox_choice,
    sandbox_option,
)
from grader.config import Config, load_config
from grader.errors import ExitCode, GraderError, InputError
from grader.handout import write_handout
from grader.models import Audience, GradeResult, HiddenFeedback, Outcome, Suite
from grader.report import Format, parse_formats, render, write_reports
from grader.resources import BANK_ENV, bank_dir
from grader.terminal import LiveProgress, print_test_run


def _summary_line(result: GradeResult) -> str:
    line = f"{result.challenge}: {result.score:g}/{result.max_score:g} ({result.percent:.2f}%) {result.status.value}"
    if result.error:
        line += f": {result.error}"
    return line


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
@click.option("-v", "--verbose", count=True, help="More logging on stderr.")
@click.option(
    "--bank",
    type=click.Path(path_type=Path, file_okay=False),
    envvar=BANK_ENV,
    help=f"Challenge bank folder (default: the bank that ships with the grader; env {BANK_ENV}).",
)
def cli(verbose: int, bank: Path | None) -> None:
    """Grade coding-challenge submissions in a sandbox, with hidden pytest + hypothesis suites."""
    if bank is not None:
        if not bank.is_dir():
            raise InputError(f"{bank}: --bank is not a folder")
        # Every command resolves the bank through bank_dir(); the environment also reaches child processes.
        os.environ[BANK_ENV] = str(bank.resolve())
    logging.basicConfig(
        level=logging.WARNING - 10 * min(verbose, 2),
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )


@cli.command("list", epilog=EXIT_CODES_HELP)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_command(as_json: bool) -> int:
    """List the challenges."""
    challenges = load_all()
    if not challenges:
        raise InputError(f"{bank_dir()}: no challenges in this bank (each needs a folder with a challenge.toml)")
    if as_json:
        out(json.dumps([_challenge_summary(c) for c in challenges], indent=2))
        return 0
    for c in challenges:
        out(f"{c.slug:32} {c.kind.value:7} {c.difficulty.value:7} {c.seed_section} Q{c.seed_question}: {c.title}")
    return 0


def _challenge_summary(c: Challenge) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "title": c.title,
        "kind": c.kind.value,
        "difficulty": c.difficulty.value,
        "tags": list(c.tags),
        "seed": {"section": c.seed_section, "question": c.seed_question},
        "entry": c.entry,
        "limits": c.limits.to_dict(),
    }


@cli.command("show", epilog=EXIT_CODES_HELP)
@click.argument("slug", shell_complete=complete_slug)
def show_command(slug: str) -> int:
    """Show a challenge's prompt and limits."""
    challenge = find_challenge(slug)
    out(challenge.prompt_path.read_text(encoding="utf-8"))
    limits = challenge.limits
    out(f"\nLimits: {limits.call_seconds:g} s per call, {limits.suite_seconds:g} s per suite, {limits.memory_mb} MB")
    return 0


@cli.command("init", epilog=EXIT_CODES_HELP)
@click.argument("slug", shell_complete=complete_slug)
@click.argument("dest", type=click.Path(path_type=Path))
def init_command(slug: str, dest: Path) -> int:
    """Write a challenge's hand-out to DEST: prompt, stub, example tests, conftest.py, requirements.txt."""
    challenge = find_challenge(slug)
    write_handout(challenge, check_output_dir(dest, "DEST"))
    out(f"{dest}: edit {challenge.entry}.py, then in that folder: pip install -r requirements.txt && pytest")
    return 0


@cli.command("test", epilog=EXIT_CODES_HELP)
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--challenge", "slug", required=True, help="Challenge slug.", shell_complete=complete_slug)
@sandbox_option("local")
@image_option()
@click.option("-k", "keyword", metavar="EXPRESSION", help="Only the tests whose names match (as pytest -k).")
@click.option("-x", "--exitfirst", is_flag=True, help="Stop at the first failing test.")
@click.option("-q", "--quiet", "quiet", is_flag=True, help="Only failures and the summary.")
@click.option("-v", "--verbose", "verbose", is_flag=True, help="Also the output of passing tests.")
def test_command(
    submission: Path, slug: str, sandbox: str, image: str | None, keyword: str | None, exitfirst: bool,
    quiet: bool, verbose: bool,
) -> int:  # fmt: skip
    """Self-check: run the visible example tests against SUBMISSION, like pytest.

    Exits 1 when a test fails, 0 when every one passes.
    """
    challenge = find_challenge(slug)
    pytest_args = (*(("-k", keyword) if keyword else ()), *(("-x",) if exitfirst else ()))
    result = api.grade(
        submission, challenge, sandbox=api.SandboxChoice(sandbox, image), suite=Suite.VISIBLE, pytest_args=pytest_args
    )
    print_test_run(result, Console(highlight=False), verbosity=1 if verbose else -1 if quiet else 0)
    passed = result.error is None and bool(result.tests) and all(t.outcome is Outcome.PASSED for t in result.tests)
    return ExitCode.GRADED if passed else ExitCode.TESTS_FAILED


@cli.command("grade", epilog=EXIT_CODES_HELP)
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--challenge", "slug", required=True, help="Challenge slug.", shell_complete=complete_slug)
@sandbox_option("docker")
@image_option()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), help="Write result.json and reports here.")
@click.option(
    "--format",
    "formats",
    default="html,md,json",
    show_default=True,
    help="Comma-separated: html,md,json,junit.",
)
@click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), default="reviewer", show_default=True,
    help="candidate: no hidden test's name, input or message.",
)  # fmt: skip
@hidden_feedback_option()
def grade_command(
    submission: Path,
    slug: str,
    sandbox: str,
    image: str | None,
    out_dir: Path | None,
    formats: str,
    audience: str,
    hidden_feedback: str,
) -> int:
    """Grade SUBMISSION (a .py file or a folder) against a challenge's hidden suite."""
    chosen = parse_formats(formats)
    if out_dir is not None:
        check_output_dir(out_dir)
    challenge = find_challenge(slug)
    files = api.accept_submission(submission, challenge)
    result = api.grade_files(files, challenge, api.resolve_sandbox(sandbox_choice(sandbox, image)))
    if out_dir is not None:
        written = write_reports(
            result, out_dir, chosen, Audience(audience), HiddenFeedback(hidden_feedback), submitted_code(files)
        )
        for path in written:
            err(f"wrote {path}")
    else:
        out(render(result, Format.MD, Audience(audience), HiddenFeedback(hidden_feedback)))
    out(_summary_line(result))
    return 0


@cli.command("report", epilog=EXIT_CODES_HELP)
@click.argument("result_file", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice([f.value for f in Format]), default="md", show_default=True)
@click.option(
    "--audience",
    type=click.Choice([a.value for a in Audience]),
    default="reviewer",
    show_default=True,
)
@hidden_feedback_option()
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="Write here instead of stdout.")
def report_command(result_file: Path, fmt: str, audience: str, hidden_feedback: str, out_file: Path | None) -> int:
    """Render a result.json again, in another format or for another audience."""
    if out_file is not None:
        check_output_file(out_file)
    from grader.report import load_result

    text = render(load_result(result_file), Format(fmt), Audience(audience), HiddenFeedback(hidden_feedback))
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
    return 0


# Checks whose detail is a measurement worth seeing as it arrives.
MEASURED_CHECKS = ("mutants", "timing margins")
# Wrong variants: who caught each one (generated tests, examples, a time bound) is worth seeing too.
MEASURED_PREFIXES = ("wrong/",)


def check_line(check: Check) -> str:
    line = f"{'ok  ' if check.ok else 'FAIL'} {check.challenge}: {check.name}"
    measured = check.name in MEASURED_CHECKS or check.name.startswith(MEASURED_PREFIXES)
    return f"{line} ({check.detail})" if measured else line


class VerifyOnTerminal(VerifyProgress):
    """`grader verify` on stderr: each check as it is known, under a live bar on a terminal."""

    def __init__(self) -> None:
        self.live = LiveProgress(Console(stderr=True, highlight=False), "verify")

    def planned(self, gradings: int) -> None:
        self.live.start(gradings)

    def started(self, label: str) -> None:
        self.live.running(label, on=True)

    def ended(self, label: str) -> None:
        self.live.running(label, on=False)

    def finished(self, check: Check) -> None:
        self.live.print(check_line(check), "" if check.ok else "red")

    def advance(self) -> None:
        self.live.advance()


@cli.command("verify", epilog=EXIT_CODES_HELP)
@click.argument("slugs", nargs=-1, shell_complete=complete_slug)
@sandbox_option("docker")
@image_option()
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True, help="Gradings in parallel.")
@click.option("--basic", is_flag=True, help="Reference 100%, stub 0%, visible tests pass.")
@click.option("--wrong", is_flag=True, help="wrong/ under their bounds, alternatives/ at 100%.")
@click.option("--mutants", is_flag=True, help="Mutation testing of the hidden suites (gate: 90% killed).")
@click.option(
    "--mutant-cap", type=click.IntRange(1, 1000), default=40, show_default=True, help="Mutants per challenge."
)
@click.option(
    "--repeat", type=click.IntRange(1, 20), default=1, show_default=True, help="Grade N times: flaky tests fail."
)
@click.option(
    "--require-generated", is_flag=True,
    help="Fail a wrong variant that only example tests catch (no hypothesis test or state machine).",
)  # fmt: skip
@click.option("--format", "formats", default=None, help="Also write a suite-quality report: html,md,json.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/verify"), show_default=True)
def verify_command(
    slugs: tuple[str, ...],
    sandbox: str,
    image: str | None,
    jobs: int,
    basic: bool,
    wrong: bool,
    mutants: bool,
    mutant_cap: int,
    repeat: int,
    require_generated: bool,
    formats: str | None,
    out_dir: Path,
) -> int:
    """Check the challenge bank: references 100%, stubs 0%, wrong variants under their bounds.

    With no check flag, runs --basic and --wrong; --mutants runs only when asked.
    """
    from grader.bank.verify import slowest
    from grader.bank.verify import verify as run_verify

    if formats:
        check_output_dir(out_dir)
    roots = [bank_dir() / slug for slug in slugs] if slugs else discover()
    for root in roots:
        if not root.is_dir():
            raise InputError(f"unknown challenge {root.name!r}")
    choice = api.resolve_sandbox(api.SandboxChoice(sandbox, image))
    if not (basic or wrong or mutants):
        basic = wrong = True
    progress = VerifyOnTerminal()
    try:
        checks = run_verify(
            roots,
            sandbox=choice,
            jobs=jobs,
            basic=basic,
            wrong=wrong,
            mutants=mutants,
            mutant_cap=mutant_cap,
            repeat=repeat,
            require_generated=require_generated,
            progress=progress,
        )
    finally:
        progress.live.stop()
    if formats:
        from grader.report import render_verify

        out_dir.mkdir(parents=True, exist_ok=True)
        for fmt in parse_formats(formats):
            path = out_dir / f"verify.{fmt.value}"
            path.write_text(render_verify(checks, fmt), encoding="utf-8")
            err(f"wrote {path}")
    failed = [c for c in checks if not c.ok]
    longest = slowest(checks)
    if longest:
        err("slowest: " + "; ".join(f"{c.challenge}: {c.name} {c.seconds:.1f} s" for c in longest))
    width = max((len(c.challenge) for c in checks), default=10)
    for check in checks:
        if not check.ok:
            out(f"FAIL  {check.challenge:{width}}  {check.name}: {check.detail}")
    out(f"{len(checks) - len(failed)} checks passed, {len(failed)} failed ({len(roots)} challenges)")
    return ExitCode.VERIFICATION_FAILED if failed else 0


@cli.command("bench", epilog=EXIT_CODES_HELP)
@click.argument("slugs", nargs=-1, shell_complete=complete_slug)
@click.option("--candidates", type=click.IntRange(1), default=20, show_default=True, help="Generated candidates.")
@click.option("--jobs", type=click.IntRange(1), default=None, help="Gradings at a time in every mode [default: cores].")
@click.option("--repeat", type=click.IntRange(3, 50), default=3, show_default=True, help="Repetitions (median).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the candidates' draws.")
@click.option(
    "--memory-batch",
    type=click.IntRange(0),
    default=4,
    show_default=True,
    help="Peak RSS of the grader for N and 4N submissions in docker (0: skip).",
)
@click.option("--starts", type=click.IntRange(1), default=10, show_default=True, help="Worker starts to time.")
@click.option("--calls", type=click.IntRange(1), default=500, show_default=True, help="Round trips to time.")
@click.option("--build", is_flag=True, help="Build the image first and report the build time.")
@click.option(
    "--cluster", is_flag=True,
    help="Instead: the local batch against a Celery grading host of 1, 2 and 4 processes on this machine "
    "(needs redis-server); SLUGS default to two challenges.",
)  # fmt: skip
@image_option()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("out/bench"), show_default=True)
@click.option("--markdown", type=click.Path(path_type=Path), default=None, help="Also write the Markdown report here.")
def bench_command(
    slugs: tuple[str, ...],
    candidates: int,
    jobs: int | None,
    repeat: int,
    seed: int,
    memory_batch: int,
    starts: int,
    calls: int,
    build: bool,
    cluster: bool,
    image: str | None,
    out_dir: Path,
    markdown: Path | None,
) -> int:
    """Measure what isolation costs: in-process pytest vs the local worker vs Docker, on one batch.

    Grades CANDIDATES generated candidates x SLUGS (default: every challenge), each a mix of
    correct and known-wrong submissions, in the three modes, REPEAT times each; writes
    OUT/bench.json and OUT/BENCHMARKS.md. Exits 1 when verdicts differ between runs.
    """
    import os

    check_output_dir(out_dir)
    if markdown is not None:
        check_output_file(markdown, "--markdown")
    if cluster:
        return _bench_cluster(slugs, candidates, jobs or 2, seed, image, out_dir)
    from grader.bench.render import render_markdown, write_report
    from grader.bench.run import run_bench
    from grader.bench.stats import BenchConfig, compare_verdicts

    config = BenchConfig(
        slugs=slugs,
        candidates=candidates,
        jobs=jobs or os.cpu_count() or 1,
        repeat=repeat,
        seed=seed,
        memory_batch=memory_batch,
        starts=starts,
        calls=calls,
        build=build,
        image=image,
        out_dir=out_dir,
        markdown=markdown,
    )
    report = run_bench(config, log=err)
    for path in write_report(report, out_dir, markdown):
        err(f"wrote {path}")
    out(render_markdown(report))
    return ExitCode.VERIFICATION_FAILED if compare_verdicts(report.runs) else 0


def _bench_cluster(slugs: tuple[str, ...], candidates: int, jobs: int, seed: int, image: str | None, out: Path) -> int:
    from grader.bench.cluster import render_cluster_markdown, run_cluster_bench, write_cluster_report

    choice = api.resolve_sandbox(api.SandboxChoice("docker", image))
    bench = run_cluster_bench(slugs, candidates, seed, choice, out, err, local_jobs=jobs)
    for path in write_cluster_report(bench, out):
        err(f"wrote {path}")
    out_text = render_cluster_markdown(bench)
    click.echo(out_text, nl=False)
    return ExitCode.VERIFICATION_FAILED if bench.verdicts_differ else 0


@cli.group("export")
def export_group() -> None:
    """Package a challenge for Gradescope or GitHub Classroom."""


@export_group.command("gradescope", epilog=EXIT_CODES_HELP)
@click.argument("slug", shell_complete=complete_slug)
@click.argument("out_zip", metavar="OUT.zip", type=click.Path(path_type=Path))
@click.option("--wheel", type=click.Path(path_type=Path), required=True, help="The grader's wheel (make dist).")
@click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), default="candidate", show_default=True,
    help="What students see in Gradescope: no hidden test's name or message, or every hidden test.",
)  # fmt: skip
@hidden_feedback_option()
def export_gradescope_command(slug: str, out_zip: Path, wheel: Path, audience: str, hidden_feedback: str) -> int:
    """Write a Gradescope autograder zip for SLUG: setup.sh, run_autograder and the grader's wheel."""
    from grader.export import write_gradescope_autograder

    challenge = find_challenge(slug)
    write_gradescope_autograder(
        challenge, check_output_file(out_zip), wheel, Audience(audience), HiddenFeedback(hidden_feedback)
    )
    out(f"wrote {out_zip}: upload it as the autograder of a Gradescope programming assignment")
    return 0


@export_group.command("classroom", epilog=EXIT_CODES_HELP)
@click.argument("slug", shell_complete=complete_slug)
@click.argument("dest", type=click.Path(path_type=Path))
def export_classroom_command(slug: str, dest: Path) -> int:
    """Write a GitHub Classroom starter repository for SLUG in DEST: the hand-out and an autograding workflow."""
    from grader.export import write_classroom_starter

    challenge = find_challenge(slug)
    write_classroom_starter(challenge, check_output_dir(dest, "DEST"))
    out(f"wrote {dest}: push it as the template repository of a GitHub Classroom assignment")
    return 0


@cli.group("challenge")
def challenge_group() -> None:
    """Author challenges."""


@challenge_group.command("new", epilog=EXIT_CODES_HELP)
@click.argument("slug", shell_complete=complete_slug)
@click.option("--kind", type=click.Choice([k.value for k in Kind]), default="python", show_default=True)
def challenge_new_command(slug: str, kind: str) -> int:
    """Scaffold challenges/SLUG with every file and a comment saying what belongs there."""
    from grader.bank.scaffold import scaffold_challenge

    for path in scaffold_challenge(bank_dir(), slug, Kind(kind)):
        err(f"wrote {path}")
    out(f"fill in {bank_dir() / slug}, then run: grader verify {slug}")
    return 0


@cli.group("image")
def image_group() -> None:
    """Build and inspect the sandbox image."""


@image_group.command("build", epilog=EXIT_CODES_HELP)
@click.option(
    "--base",
    default=None,
    help="Base image (default: python:3.11-slim, or built from Debian packages).",
)
@click.option("--tag", default=None, help="Image tag (default: content-addressed).")
def image_build_command(base: str | None, tag: str | None) -> int:
    """Build the sandbox image offline."""
    from grader.sandbox.image import build_image

    info = build_image(base=base, tag=tag, log=err)
    out(f"{info.tag} {info.digest} (base from {info.base_source})")
    return 0


@image_group.command("info", epilog=EXIT_CODES_HELP)
@click.option("--tag", default=None)
def image_info_command(tag: str | None) -> int:
    """Show the sandbox image's tag, digest and package versions."""
    from dataclasses import asdict

    from grader.sandbox.image import image_info as read_info

    out(json.dumps(asdict(read_info(tag)), indent=2, default=str))
    return 0


@cli.command("doctor", epilog=EXIT_CODES_HELP)
@click.option("--tag", default=None)
def doctor_command(tag: str | None) -> int:
    """Check that Docker works, that every sandbox limit is really enforced, and that the grader's
    PostgreSQL server runs, confines a test's role and is reachable from a worker."""
    from grader.database import DatabaseError, doctor_checks, probe_login
    from grader.sandbox.base import Check
    from grader.sandbox.doctor import run_doctor

    database = doctor_checks()
    if all(check.ok for check in database):
        try:
            with probe_login() as login:
                checks = run_doctor(tag, database=login)
        except DatabaseError as exc:
            checks = run_doctor(tag)
            database.append(Check("database from a worker", False, str(exc)))
    else:
        checks = run_doctor(tag)
    checks += database
    for check in checks:
        out(f"{'ok  ' if check.ok else 'FAIL'}  {check.name:28} {check.detail}")
    return 0 if all(c.ok for c in checks) else ExitCode.INFRASTRUCTURE


@cli.group("database")
def database_group() -> None:
    """The PostgreSQL server the grader runs for the Django challenges (started on first use)."""


@database_group.command("status", epilog=EXIT_CODES_HELP)
def database_status_command() -> int:
    """Start the server if need be and say where it is and which version runs."""
    from grader.database import ensure_server

    server = ensure_server()
    out(f"PostgreSQL {server.version} running, socket {server.location.socket_dir}, data {server.location.data}")
    return 0


@database_group.command("stop", epilog=EXIT_CODES_HELP)
def database_stop_command() -> int:
    """Stop the server (the next grading that needs it starts it again)."""
    from grader.database import stop_server

    out("stopped" if stop_server() else "not running")
    return 0


@cli.group("sandbox")
def sandbox_group() -> None:
    """Manage sandbox containers."""


@sandbox_group.command("cleanup", epilog=EXIT_CODES_HELP)
def sandbox_cleanup_command() -> int:
    """Remove containers left by grader runs that died."""
    from grader.sandbox.docker import cleanup

    out(f"removed {cleanup()} container(s)")
    return 0


for _command in (assessment_group, batch_command, feedback_command, worker_command, cluster_group):
    cli.add_command(_command)


def config_defaults(config: Config, group: click.Group) -> dict[str, Any]:
    """click's default_map for every command whose options the config sets (the CLI still wins)."""
    wanted = config.option_defaults()
    defaults: dict[str, Any] = {}
    if config.bank is not None:
        defaults["bank"] = str(config.bank)
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            nested = config_defaults(Config(sandbox=config.sandbox, image=config.image, jobs=config.jobs), command)
            if nested:
                defaults[name] = nested
            continue
        own = {p.name: wanted[p.name] for p in command.params if p.name in wanted}
        if own:
            defaults[name] = own
    return defaults


def main(argv: list[str] | None = None) -> int:
    try:
        defaults = config_defaults(load_config(), cli)
        code = cli.main(args=argv, prog_name="grader", standalone_mode=False, default_map=defaults)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return ExitCode.USAGE
    except click.exceptions.Abort:
        err("aborted")
        return 130
    except KeyboardInterrupt:
        err("interrupted")
        return 130
    except GraderError as exc:
        err(f"error: {exc}")
        return int(exc.exit_code)
    except OSError as exc:
        # The checks before any work catch bad paths; this is what is left (a disk that filled up, a
        # folder removed mid-run): still one line, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        err(f"error: {where}{exc.strerror or exc}")
        return ExitCode.USAGE if exc.filename else ExitCode.INFRASTRUCTURE
    return int(code) if isinstance(code, int) else 0
