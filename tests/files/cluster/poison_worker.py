"""`grader worker`, except that grading a file holding POISON kills the grading process outright
(as a host-crashing grading would): the order must end as an infrastructure-error row after the
attempt cap instead of killing host after host forever. A file holding FLAKY meets a broken
harness on its first attempt only (an infrastructure error, retried through Celery)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from grader.cli import main
from grader.cluster import worker
from grader.errors import HarnessError

_real_grade_files = worker.grade_files


def _grade_files(files: Any, *args: Any, **kwargs: Any) -> Any:
    if any(b"POISON" in content for content in files.values()):
        os.kill(os.getpid(), signal.SIGKILL)
    if any(b"FLAKY" in content for content in files.values()) and kwargs["run_id"].endswith("-1"):
        raise HarnessError("harness for toy-sum failed (exit 1): the engine went away")
    return _real_grade_files(files, *args, **kwargs)


worker.grade_files = _grade_files  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
