"""The one place a sandbox backend is chosen by name (DMOJ's executor registry, in small)."""

from __future__ import annotations

from grader.sandbox.base import Backend, SandboxBackend


def make_backend(kind: Backend, image: str | None = None) -> SandboxBackend:
    """The backend of `kind`; `image` is the Docker image tag (None: the current content-addressed tag)."""
    # Imported here: the Docker SDK loads only when a Docker sandbox is asked for.
    if kind is Backend.DOCKER:
        from grader.sandbox.docker import DockerBackend

        return DockerBackend(image_tag=image)
    from grader.sandbox.local import LocalBackend

    return LocalBackend()
