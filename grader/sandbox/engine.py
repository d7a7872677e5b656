"""The Docker engine client: one place that connects, checks the engine answers, and names its errors."""

from __future__ import annotations

from typing import Any

import docker
import requests

from grader.errors import SandboxError, one_line

# What a call to the engine can raise: the SDK's own errors and the HTTP transport's.
ENGINE_ERRORS = (docker.errors.DockerException, requests.exceptions.RequestException)


def docker_client(client: Any = None) -> Any:
    """A Docker client that has answered a ping, or SandboxError."""
    if client is not None:
        return client
    try:
        made = docker.from_env()
    except docker.errors.DockerException as exc:
        raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
    try:
        made.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        made.close()
        raise SandboxError(f"Docker engine not reachable: {one_line(exc)}") from None
    return made
