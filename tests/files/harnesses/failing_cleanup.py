"""The real harness, but its sandbox backend fails to close (as an engine that cannot remove a
container does): the grading must come out all the same, with the failure reported."""

from __future__ import annotations

import sys

from grader.errors import SandboxError
from grader.harness import runner
from grader.sandbox.base import Backend, SandboxBackend

_real_make_backend = runner.make_backend


def _make_backend(kind: Backend, image: str | None = None) -> SandboxBackend:
    backend = _real_make_backend(kind, image)

    def close() -> None:
        raise SandboxError("cannot remove container grader-x: device or resource busy")

    backend.close = close  # type: ignore[method-assign]
    return backend


runner.make_backend = _make_backend

if __name__ == "__main__":
    sys.exit(runner.main(sys.argv[1:]))
