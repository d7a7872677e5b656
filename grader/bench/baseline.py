"""The in-process baseline for `grader bench`: what graders that import the submission do.

No worker, no channel, no isolation: the suite's `submission` fixture is the
submission's module itself. Only ever used to measure what isolation costs.

    python -m grader.bench.baseline SPEC.json
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from grader.database import TestDatabases, open_test_databases
from grader.harness.plugin import GraderPlugin
from grader.harness.runner import pytest_arguments
from grader.harness.spec import HarnessSpec
from grader.sandbox.base import WORKER_DIR
from grader.worker.djangokit import DATABASE_ENV


class InProcessSession:
    """Duck-types the parts of WorkerSession the plugin and grader.testing use."""

    starts = 0

    def __init__(self, search_path: list[str], databases: TestDatabases | None = None) -> None:
        for folder in reversed(search_path):
            sys.path.insert(0, folder)
        self.databases = databases
        self._bound: str | None = None

    def load(self, module: str) -> Any:
        if self.databases is not None:
            login = self.databases.login()
            if login["name"] != self._bound:  # this test's database, as a worker's child gets it
                importlib.import_module("djangokit").bind_database(login)
                self._bound = login["name"]
        return importlib.import_module(module)

    def finish_test(self) -> dict[str, Any]:
        return {"text": "", "dropped_bytes": 0}

    def close(self) -> None:
        pass


def main(argv: list[str]) -> int:
    spec = HarnessSpec.load(Path(argv[0]))
    search = [str(spec.submission_dir)] + ([str(spec.driver_dir)] if spec.driver_dir else [])
    search.append(str(WORKER_DIR))  # djangokit, which drivers import
    databases = None
    if spec.database_dir is not None and spec.driver_dir is not None:
        databases = open_test_databases(spec.database_dir, spec.driver_dir)
        os.environ[DATABASE_ENV] = json.dumps({"host": str(databases.server.location.socket_dir)})
    session = InProcessSession(search, databases)
    plugin = GraderPlugin(
        session,  # type: ignore[arg-type]
        entry=spec.entry,
        driver=spec.driver_module,
        suite_seconds=spec.limits.suite_seconds,
        max_examples=spec.max_examples,
        databases=databases,
    )
    try:
        pytest.main(pytest_arguments(spec.suite_dir, []), plugins=[plugin])
    finally:
        if databases is not None:
            databases.close()
    spec.out.write_text(json.dumps({"tests": plugin.results()}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
