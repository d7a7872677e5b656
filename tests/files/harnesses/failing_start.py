"""The real harness, but its sandbox backend cannot start a worker (as an engine that refuses to
create a container): the grading is an infrastructure failure, not a zero for the submission."""

from __future__ import annotations

import sys
from typing import Any

from grader.errors import SandboxError
from grader.harness import runner
from grader.sandbox.base import Backend, SandboxBackend

_real_make_backend = runner.make_backend


def _make_backend(kind: Backend, image: str | None = None) -> SandboxBackend:
    backend = _real_make_backend(kind, image)

    def start(*args: Any, **kwargs: Any) -> Any:
        raise SandboxError("cannot create container grader-x: no space left on device")

    backend.start = start  # type: ignore[method-assign]
    return backend


runner.make_backend = _make_backend

if __name__ == "__main__":
    sys.exit(runner.main(sys.argv[1:]))
