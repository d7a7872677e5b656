"""Grade the mutants of a challenge's reference against its hidden suite (I/O side of mutants.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from grader.api import SandboxChoice, grade_files
from grader.bank.mutants import Mutant, MutantOutcome, MutationReport, generate_mutants, sample
from grader.challenges import Challenge
from grader.errors import ChallengeError, GraderError
from grader.models import GradeStatus
from grader.submission import read_submission

# A mutant dies at the first failing test: `-x` keeps a run short without changing the verdict.
MUTANT_PYTEST_ARGS = ("-x",)


def reference_source(challenge: Challenge) -> tuple[dict[str, bytes], str]:
    files = read_submission(challenge.reference_dir, challenge.entry)
    entry_file = f"{challenge.entry}.py"
    if entry_file not in files:
        raise ChallengeError(f"{challenge.reference_dir}: mutation testing needs {entry_file}")
    return files, files[entry_file].decode("utf-8")


def grade_mutant(
    challenge: Challenge, files: dict[str, bytes], mutant: Mutant, sandbox: SandboxChoice
) -> MutantOutcome:
    mutated = {**files, f"{challenge.entry}.py": mutant.source.encode("utf-8")}
    try:
        result = grade_files(mutated, challenge, sandbox, pytest_args=MUTANT_PYTEST_ARGS, shrink=False)
    except GraderError as exc:
        return MutantOutcome(mutant, False, f"not graded: {exc}")
    if result.status is GradeStatus.ERROR:
        return MutantOutcome(mutant, False, f"grading error: {result.error}")
    failing = next((t for t in result.tests if t.outcome.value != "passed"), None)
    if failing is None:
        return MutantOutcome(mutant, False, "survived: every test passed")
    return MutantOutcome(mutant, True, f"killed by {failing.id} ({failing.outcome.value})")


def run_mutation_testing(
    challenge: Challenge, *, sandbox: SandboxChoice, cap: int = 40, jobs: int = 2
) -> MutationReport:
    files, source = reference_source(challenge)
    mutants = generate_mutants(source)
    chosen = sample(mutants, cap)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = tuple(pool.map(lambda m: grade_mutant(challenge, files, m, sandbox), chosen))
    equivalent = tuple(m.id for m in challenge.equivalent_mutants)
    return MutationReport(challenge.slug, len(mutants), outcomes, equivalent)


def survivor_text(report: MutationReport, reference: Path) -> str:
    source = reference.read_text(encoding="utf-8")
    parts = []
    for outcome in report.survivors:
        parts.append(
            f"{outcome.mutant.id} ({outcome.mutant.description}): {outcome.detail}\n{outcome.mutant.diff(source)}"
        )
    return "\n".join(parts)
