"""What a grading host serves, named by digests the coordinator can compute too: the bank (every
challenge's files that decide a grade) and the sandbox image (its content-addressed tag)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from grader.api import SandboxChoice
from grader.challenges import Challenge, load_all
from grader.cluster.protocol import queue_name
from grader.resources import bank_dir


def bank_digest(challenges: Sequence[Challenge]) -> str:
    """One digest for a whole bank: every challenge's slug and digest."""
    digest = hashlib.sha256()
    for challenge in sorted(challenges, key=lambda c: c.slug):
        digest.update(f"{challenge.slug}\0{challenge.digest()}\0".encode())
    return digest.hexdigest()


def image_key(choice: SandboxChoice) -> str:
    """What a result's key records of the sandbox: `local`, or the image's content-addressed tag
    (the same on every host built from the same grader, unlike the engine's image id)."""
    if choice.backend == "local":
        return "local"
    if choice.image:
        return choice.image
    from grader.sandbox.image import compute_image_tag

    return compute_image_tag()


def queue_for(choice: SandboxChoice, bank: Path | None = None) -> str:
    """The queue of the hosts that can grade for this machine's bank and `choice`."""
    return queue_name(bank_digest(load_all(bank or bank_dir())), image_key(choice))
