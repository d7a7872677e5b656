"""Click commands for batch grading: `assessment new|pack`, `batch`, `feedback`. Thin wrappers over grader.batch.api."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import click

from grader.api import SandboxChoice
from grader.batch.render import Export, FeedbackFormat
from grader.cli.common import (
    EXIT_CODES_HELP,
    LOCAL_WARNING,
    check_output_dir,
    check_output_file,
    err,
    image_option,
    out,
    sandbox_option,
)
from grader.errors import InputError
from grader.models import Audience


@click.group("assessment", epilog=EXIT_CODES_HELP)
def assessment_group() -> None:
    """Write assessments (a take-home's challenges and points) and candidate hand-outs."""


@assessment_group.command("new", epilog=EXIT_CODES_HELP)
@click.argument("name")
@click.option(
    "--challenge", "specs", multiple=True, required=True, metavar="SLUG[:POINTS]",
    help="A challenge and its points (default 100); repeat for each.",
)  # fmt: skip
@click.option(
    "--limit", "limit_specs", multiple=True, metavar="SLUG:KEY=VALUE",
    help="Override one of a challenge's limits (call_seconds, suite_seconds, memory_mb, pids, file_mb, cpus).",
)  # fmt: skip
@click.option("--title", default="", help="A title for reports and the hand-out.")
@click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), default="candidate", show_default=True,
    help="Who `grader feedback` writes for by default.",
)  # fmt: skip
@click.option(
    "--out", "out_file", type=click.Path(path_type=Path), default=Path("assessment.toml"), show_default=True,
)  # fmt: skip
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def assessment_new_command(
    name: str,
    specs: tuple[str, ...],
    limit_specs: tuple[str, ...],
    title: str,
    audience: str,
    out_file: Path,
    force: bool,
) -> int:
    """Write an assessment.toml named NAME with the given challenges."""
    from grader.batch.assessment import new_assessment, render_assessment_toml, resolve_challenges

    assessment = new_assessment(name, specs, limit_specs, Audience(audience), title)
    resolve_challenges(assessment)  # every slug must exist now, not at grading time
    check_output_file(out_file)
    if out_file.exists() and not force:
        raise InputError(f"{out_file}: exists (use --force to overwrite)")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render_assessment_toml(assessment), encoding="utf-8")
    out(f"wrote {out_file}: {len(assessment.challenges)} challenge(s), {assessment.max_points:g} points")
    return 0


@assessment_group.command("pack", epilog=EXIT_CODES_HELP)
@click.argument("assessment_file", metavar="ASSESSMENT.toml", type=click.Path(path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--archive", is_flag=True, help="Also write DEST.zip.")
def assessment_pack_command(assessment_file: Path, dest: Path, archive: bool) -> int:
    """Build the candidate hand-out in DEST: prompts, stubs, visible tests and a README."""
    from grader.batch.api import pack
    from grader.batch.assessment import load_assessment, resolve_challenges

    assessment = load_assessment(assessment_file)
    written = pack(assessment, resolve_challenges(assessment), check_output_dir(dest, "DEST"))
    out(f"wrote {dest} ({len(written) - 1} challenge folder(s) and README.md)")
    if archive:
        zipped = shutil.make_archive(str(dest), "zip", root_dir=dest.parent, base_dir=dest.name)
        out(f"wrote {zipped}")
    return 0


@click.command("batch", epilog=EXIT_CODES_HELP)
@click.argument("assessment_file", metavar="ASSESSMENT.toml", type=click.Path(path_type=Path))
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Results and reports.")
@click.option(
    "--jobs", type=click.IntRange(1, 64), default=None,
    help="Gradings in parallel (default: the number of cores).",
)  # fmt: skip
@sandbox_option("docker")
@image_option()
@click.option("--force", is_flag=True, help="Re-grade everything, even results whose key matches.")
@click.option("--visible", is_flag=True, help="Also grade the visible examples (shown by `grader feedback`).")
@click.option(
    "--export", "exports", multiple=True, type=click.Choice([e.value for e in Export]),
    help="Also write Gradescope results.json per candidate or JUnit XML per candidate; repeatable.",
)  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option(
    "--broker", default=None, metavar="URL",
    help="Grade on the hosts of this Redis broker (`grader worker`) instead of here: redis:// or rediss://.",
)  # fmt: skip
def batch_command(
    assessment_file: Path,
    submissions: Path,
    out_dir: Path,
    jobs: int | None,
    sandbox: str,
    image: str | None,
    force: bool,
    visible: bool,
    exports: tuple[str, ...],
    quiet: bool,
    broker: str | None,
) -> int:
    """Grade every candidate in SUBMISSIONS (folders, .zip or .tar.gz) and write a cohort report to --out.

    Resumable: re-running the same command grades only what is missing or changed. With --broker
    the gradings run on the grading hosts of that broker; this command sends them and writes each
    result as it arrives (killed and run again, it only waits for what is missing).
    """
    from grader.batch.api import BatchOptions, run_batch
    from grader.batch.assessment import load_assessment, resolve_challenges
    from grader.batch.render import render_summary
    from grader.batch.runner import TaskOutcome

    check_output_dir(out_dir)
    assessment = load_assessment(assessment_file)
    challenges = resolve_challenges(assessment)
    if not submissions.is_dir():
        raise InputError(f"{submissions}: not a folder")
    coordinator = None
    if broker is not None:
        from grader.cluster.app import check_broker_url
        from grader.cluster.coordinator import Coordinator

        if jobs is not None:
            raise InputError("--jobs: with --broker, each grading host's --concurrency sets how many run at once")
        coordinator = Coordinator(check_broker_url(broker), SandboxChoice(sandbox, image))
    if sandbox == "local":
        err(LOCAL_WARNING)
    options = BatchOptions(
        jobs=jobs or os.cpu_count() or 1,
        sandbox=SandboxChoice(sandbox, image),
        force=force,
        visible=visible,
        exports=tuple(Export(e) for e in dict.fromkeys(exports)),
        remote=coordinator,
    )
    from rich.console import Console

    console = Console(stderr=True)
    show_progress = not quiet and console.is_terminal
    result = run_batch(
        assessment, challenges, submissions, out_dir, options, progress=console if show_progress else None
    )
    counts = [(outcome.value, result.count(outcome)) for outcome in TaskOutcome]
    counts.append(("intake errors", len(result.cohort.intake_errors)))
    out(render_summary(result.cohort, counts, result.elapsed_s, out_dir))
    if coordinator is not None:
        stats = coordinator.stats
        err(
            f"broker: {stats.sent} grading(s) sent, {stats.collected} found already graded; "
            f"coordinator CPU {stats.cpu_per_order_ms:.1f} ms per grading"
        )
    return result.exit_code


@click.command("feedback", epilog=EXIT_CODES_HELP)
@click.argument("out_dir", metavar="DIR", type=click.Path(path_type=Path))
@click.argument("candidate")
@click.option("--format", "fmt", type=click.Choice([f.value for f in FeedbackFormat]), default="md", show_default=True)
@click.option(
    "--audience", type=click.Choice([a.value for a in Audience]), default=None,
    help="Default: the assessment's feedback_audience.",
)  # fmt: skip
@click.option("--out", "out_file", type=click.Path(path_type=Path), help="Write here instead of stdout.")
def feedback_command(out_dir: Path, candidate: str, fmt: str, audience: str | None, out_file: Path | None) -> int:
    """Render CANDIDATE's feedback from a batch's output folder DIR (score; no hidden-test detail for candidates)."""
    from grader.batch.api import load_feedback
    from grader.batch.render import render_feedback

    if out_file is not None:
        check_output_file(out_file)
    view = load_feedback(out_dir, candidate, Audience(audience) if audience else None)
    text = render_feedback(view, FeedbackFormat(fmt))
    if out_file is None:
        click.echo(text, nl=False)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        err(f"wrote {out_file}")
    return 0
