"""Click commands for grading on many machines: `worker` (a grading host) and `cluster status`.
Thin wrappers over grader.cluster; `grader batch --broker` is the coordinator."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from typing import Any, TypeVar

import click

from grader.api import SandboxChoice
from grader.cli.common import EXIT_CODES_HELP, LOCAL_WARNING, err, image_option, out, sandbox_option

F = TypeVar("F", bound=Callable[..., Any])
BROKER_ENV = "GRADER_BROKER"
BROKER_HELP = (
    "Redis URL of the broker: redis://[:PASSWORD@]HOST:6379/0, or rediss:// for TLS "
    f"(env {BROKER_ENV}, which keeps a password out of the process list)."
)


def broker_option() -> Callable[[F], F]:
    return click.option("--broker", envvar=BROKER_ENV, required=True, metavar="URL", help=BROKER_HELP)


@click.command("worker", epilog=EXIT_CODES_HELP)
@broker_option()
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=None,
    help="Gradings at once on this host (default: the number of cores).",
)  # fmt: skip
@click.option("--name", default=None, help="This host's name in `grader cluster status` (default: grader@HOSTNAME).")
@sandbox_option("docker")
@image_option()
@click.option(
    "--visibility-timeout", type=click.FloatRange(5, None), default=None, metavar="SECONDS",
    help="Give an order back to the queue this long after a host took it without finishing "
    "(default: twice the bank's longest suite limit plus two minutes, at least 10 minutes).",
)  # fmt: skip
def worker_command(
    broker: str,
    concurrency: int | None,
    name: str | None,
    sandbox: str,
    image: str | None,
    visibility_timeout: float | None,
) -> int:
    """Grade orders from the broker in this host's sandbox until stopped (SIGTERM finishes the running ones).

    The host serves the bank in use (`grader --bank`) with the sandbox image of this grader; a
    missing image is built first. It consumes only the queue named after both digests, so it never
    receives gradings planned for another bank or image.
    """
    from grader.cluster.app import check_broker_url

    check_broker_url(broker)  # before the grading host's module, which needs the cluster extra
    from grader.cluster.worker import GradingHost, default_visibility_seconds, run_worker

    if sandbox == "local":
        err(LOCAL_WARNING)
    choice = SandboxChoice(sandbox, image)
    if sandbox == "docker":
        choice = SandboxChoice(sandbox, _ensure_image(image))
    host = GradingHost.load(name or f"grader@{socket.gethostname()}", choice)
    logging.getLogger("grader.cluster").setLevel(logging.INFO)
    run_worker(
        broker,
        host,
        concurrency=concurrency or os.cpu_count() or 1,
        visibility_seconds=visibility_timeout or default_visibility_seconds(host.challenges.values()),
    )
    return 0


def _ensure_image(tag: str | None) -> str:
    """The sandbox image's tag, built here (offline, as `grader image build`) when it is missing."""
    from grader.errors import SandboxError
    from grader.sandbox.image import build_image, ensure_image

    try:
        return ensure_image(tag).tag
    except SandboxError as exc:
        if "not found" not in str(exc):
            raise
        err(f"{exc}; building it now")
        return build_image(tag=tag, log=err).tag


@click.group("cluster", epilog=EXIT_CODES_HELP)
def cluster_group() -> None:
    """See the grading hosts of a broker and what they are doing."""


@cluster_group.command("status", epilog=EXIT_CODES_HELP)
@broker_option()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cluster_status_command(broker: str, as_json: bool) -> int:
    """Grading hosts online (name, processes, what they serve), gradings queued, running, done, failed."""
    from grader.cluster.app import check_broker_url
    from grader.cluster.status import cluster_status, render_status, render_status_json

    status = cluster_status(check_broker_url(broker))
    out(render_status_json(status) if as_json else render_status(status))
    return 0
