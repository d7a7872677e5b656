"""A challenge packaged for the platforms teams already use: a Gradescope autograder and a GitHub
Classroom starter repository.

Gradescope: `setup.sh` installs the grader's wheel (shipped in the zip) into a venv when Gradescope
builds the image; `run_autograder` grades `/autograder/submission` against the hidden suite and writes
`/autograder/results/results.json` (grader.report.render_gradescope_results) for the audience chosen.
GitHub Classroom: the candidate hand-out plus a workflow that runs each example test as a one-point
step with plain pytest; the hidden suite stays with the hiring team.
"""

from __future__ import annotations

import ast
import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.challenges import Challenge
from grader.errors import InputError
from grader.handout import write_handout
from grader.models import Audience, HiddenFeedback
from grader.report import template_environment
from grader.sandbox.image import pinned_pip_wheel

WHEEL_NAME = re.compile(r"^grader-[^/]+-py3-none-any\.whl$")


def write_gradescope_autograder(
    challenge: Challenge,
    out_zip: Path,
    wheel: Path,
    audience: Audience,
    hidden: HiddenFeedback = HiddenFeedback.DESCRIPTIONS,
    pip_wheel: Path | None = None,
) -> Path:
    """The autograder zip Gradescope takes for `challenge`, carrying `wheel` (from `make dist`) and the
    pinned pip wheel (from the wheelhouse unless given), so that setup needs no ensurepip."""
    if not wheel.is_file() or not WHEEL_NAME.match(wheel.name):
        raise InputError(f"{wheel}: --wheel must be the grader's wheel file (grader-*-py3-none-any.whl; make dist)")
    pip = pip_wheel or pinned_pip_wheel()
    env = template_environment()
    context = {
        "challenge": challenge,
        "wheel": f"wheels/{wheel.name}",
        "pip": f"wheels/{pip.name}",
        "audience": audience.value,
        "hidden_feedback": hidden.value,
    }
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out_zip, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in ("setup.sh", "run_autograder"):
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o755) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, env.get_template(f"export/{name}.j2").render(**context))
        archive.write(wheel, f"wheels/{wheel.name}")
        archive.write(pip, f"wheels/{pip.name}")
    return out_zip


@dataclass(frozen=True, slots=True)
class ClassroomTest:
    id: str
    name: str
    command: str


def classroom_tests(challenge: Challenge) -> list[ClassroomTest]:
    """One step per example test function, in file order: `pytest -q tests/FILE::TEST`."""
    tests: list[ClassroomTest] = []
    for path in sorted(challenge.visible_dir.rglob("test_*.py")):
        relative = path.relative_to(challenge.visible_dir).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                step = f"t{len(tests) + 1}"
                tests.append(ClassroomTest(step, node.name, f"pytest -q tests/{relative}::{node.name}"))
    return tests


def write_classroom_starter(challenge: Challenge, dest: Path) -> list[Path]:
    """The hand-out of `challenge` in `dest`, with `.github/workflows/classroom.yml`."""
    written = write_handout(challenge, dest)
    tests = classroom_tests(challenge)
    if not tests:
        raise InputError(f"{challenge.visible_dir}: no example test functions to grade in GitHub Classroom")
    minutes = max(1, int(challenge.limits.suite_seconds // 60) + 1)
    text = (
        template_environment()
        .get_template("export/classroom.yml.j2")
        .render(challenge=challenge, tests=tests, timeout_minutes=minutes)
    )
    workflow = dest / ".github" / "workflows" / "classroom.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(text, encoding="utf-8")
    return [*written, workflow]
