"""The in-process baseline for `grader bench`: what graders that import the submission do.

No worker, no channel, no isolation: the suite's `submission` fixture is the
submission's module itself. Only ever used to measure what isolation costs.

    python -m grader.bench.baseline SPEC.json
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.harness.plugin import GraderPlugin
from grader.harness.runner import pytest_arguments
from grader.harness.spec import HarnessSpec
from grader.sandbox.base import WORKER_DIR


class InProcessSession:
    """Duck-types the parts of WorkerSession the plugin and grader.testing use."""

    starts = 0

    def __init__(self, search_path: list[str]) -> None:
        for folder in reversed(search_path):
            sys.path.insert(0, folder)

    def load(self, module: str) -> Any:
        return importlib.import_module(module)

    def finish_test(self) -> dict[str, Any]:
        return {"text": "", "dropped_bytes": 0}

    def close(self) -> None:
        pass


def main(argv: list[str]) -> int:
    spec = HarnessSpec.load(Path(argv[0]))
    search = [str(spec.submission_dir)] + ([str(spec.driver_dir)] if spec.driver_dir else [])
    search.append(str(WORKER_DIR))  # djangokit, which drivers import
    session = InProcessSession(search)
    plugin = GraderPlugin(
        session,  # type: ignore[arg-type]
        entry=spec.entry,
        driver=spec.driver_module,
        suite_seconds=spec.limits.suite_seconds,
        max_examples=spec.max_examples,
    )
    pytest.main(pytest_arguments(spec.suite_dir, []), plugins=[plugin])
    spec.out.write_text(json.dumps({"tests": plugin.results()}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
