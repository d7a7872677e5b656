"""The batch `grader bench` grades: generated candidates, and which known submissions may be in it.

Pure apart from `load_pool` (which lists a challenge's folders): candidate `i` gets, for
challenge `j`, a correct submission (the reference or an alternative) when `i + j` is even and
a known-wrong one otherwise, the variant drawn with a seeded generator. The same options give
the same batch on every machine.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from grader.challenges import Challenge
from grader.models import GradeResult, GradeStatus, Outcome

SCREEN_TIMING_MARGIN = 2.0
"""A variant's performance tests must run within bound / this, in the screening grading."""

UNCOMPARABLE = frozenset({Outcome.TIMEOUT, Outcome.CRASHED, Outcome.MEMORY, Outcome.TAMPERED})
"""Outcomes the in-process baseline cannot give: it has no per-call limit and no process to lose."""


class VariantKind(enum.StrEnum):
    REFERENCE = "reference"
    ALTERNATIVE = "alternative"
    WRONG = "wrong"


@dataclass(frozen=True, slots=True)
class Variant:
    """One known submission of a challenge: a file or folder in the challenge's own tree."""

    challenge: str
    kind: VariantKind
    path: Path

    @property
    def label(self) -> str:
        if self.kind is VariantKind.REFERENCE:
            return "reference"
        folder = "alternatives" if self.kind is VariantKind.ALTERNATIVE else "wrong"
        return f"{folder}/{self.path.name}"

    @property
    def correct(self) -> bool:
        return self.kind is not VariantKind.WRONG


@dataclass(frozen=True, slots=True)
class Pool:
    """What the generator may draw from for one challenge."""

    challenge: str
    correct: tuple[Variant, ...]
    wrong: tuple[Variant, ...]

    def without(self, excluded: frozenset[Variant]) -> Pool:
        return replace(
            self,
            correct=tuple(v for v in self.correct if v not in excluded),
            wrong=tuple(v for v in self.wrong if v not in excluded),
        )


@dataclass(frozen=True, slots=True)
class BenchSubmission:
    """Candidate `candidate`'s answer to one challenge."""

    candidate: int
    variant: Variant

    @property
    def key(self) -> str:
        return f"c{self.candidate:03d}/{self.variant.challenge}"

    @property
    def challenge(self) -> str:
        return self.variant.challenge


@dataclass(frozen=True, slots=True)
class Screening:
    """Whether a variant may be in the batch, and why not."""

    eligible: bool
    reason: str = ""


def load_pool(challenge: Challenge) -> Pool:
    """The reference, `alternatives/*.py` and `wrong/*.py` of a challenge, in name order."""
    alternatives = sorted(challenge.alternatives_dir.glob("*.py")) if challenge.alternatives_dir.is_dir() else []
    wrong = sorted(challenge.wrong_dir.glob("*.py")) if challenge.wrong_dir.is_dir() else []
    return Pool(
        challenge.slug,
        (
            Variant(challenge.slug, VariantKind.REFERENCE, challenge.reference_dir),
            *(Variant(challenge.slug, VariantKind.ALTERNATIVE, p) for p in alternatives),
        ),
        tuple(Variant(challenge.slug, VariantKind.WRONG, p) for p in wrong),
    )


def generate_batch(pools: Sequence[Pool], candidates: int, seed: int) -> tuple[BenchSubmission, ...]:
    """`candidates` x every pool with a correct variant; half correct, half wrong where possible.

    Each draw has its own generator seeded by (seed, candidate, slug), so removing a variant
    from one pool changes no draw in another. A pool without wrong variants gives a correct one.
    """
    batch: list[BenchSubmission] = []
    usable = [pool for pool in pools if pool.correct]
    for candidate in range(candidates):
        for index, pool in enumerate(usable):
            wants_wrong = (candidate + index) % 2 == 1 and bool(pool.wrong)
            choices = pool.wrong if wants_wrong else pool.correct
            draw = random.Random(f"{seed}/{candidate}/{pool.challenge}")
            batch.append(BenchSubmission(candidate, draw.choice(choices)))
    return tuple(batch)


def distinct_variants(batch: Iterable[BenchSubmission]) -> tuple[Variant, ...]:
    """Each variant once, in first-seen order."""
    return tuple(dict.fromkeys(s.variant for s in batch))


def compute_screening(result: GradeResult) -> Screening:
    """Whether a grading's verdicts can be compared across the three modes.

    Refused: a grading that did not complete, any timeout/crash/memory verdict (the baseline
    cannot give them), and any performance test slower than bound / SCREEN_TIMING_MARGIN (its
    verdict would be a measurement of speed, which is what differs between modes).
    """
    if result.status is not GradeStatus.GRADED:
        return Screening(False, f"status {result.status.value}: {result.error or ''}".strip())
    for test in result.tests:
        if test.outcome in UNCOMPARABLE:
            return Screening(False, f"{test.id}: {test.outcome.value}")
        timing = test.timing
        if timing is not None and timing.elapsed_s * SCREEN_TIMING_MARGIN > timing.bound_s:
            return Screening(False, f"{test.id}: {timing.elapsed_s:.2f} s of a {timing.bound_s:g} s bound")
    return Screening(True)


def compare_in_process(isolated: GradeResult, in_process: GradeResult) -> Screening:
    """Whether the in-process baseline gives a variant the same verdicts as an isolated worker.

    They differ when a test's state leaks into the next in one process (class attributes, module
    globals, a context left set): the grader runs every test in a fresh process, a grader that
    imports the submission does not. Such a variant measures that difference, not speed.
    """
    isolated_outcomes = {t.id: t.outcome for t in isolated.tests}
    for test in in_process.tests:
        if isolated_outcomes.get(test.id) is not test.outcome:
            was = isolated_outcomes.get(test.id)
            return Screening(
                False, f"{test.id}: {test.outcome.value} in-process, {was.value if was else 'absent'} isolated"
            )
    return Screening(True)


def cycle_to(batch: Sequence[BenchSubmission], size: int) -> tuple[BenchSubmission, ...]:
    """The first `size` submissions of `batch` repeated as often as needed (empty stays empty)."""
    if not batch:
        return ()
    return tuple(batch[i % len(batch)] for i in range(size))


ScreenFn = Callable[[Sequence[Variant]], Mapping[Variant, Screening]]


def plan_batch(
    pools: Sequence[Pool], candidates: int, seed: int, screen: ScreenFn
) -> tuple[tuple[BenchSubmission, ...], dict[Variant, Screening]]:
    """Generate the batch from screened variants only: the batch, and what was left out and why.

    Only the variants a draw picks are screened; one found ineligible leaves its pool and the
    batch is drawn again, until every variant in it has passed.
    """
    verdicts: dict[Variant, Screening] = {}
    while True:
        excluded = {v: s for v, s in verdicts.items() if not s.eligible}
        batch = generate_batch([pool.without(frozenset(excluded)) for pool in pools], candidates, seed)
        todo = [v for v in distinct_variants(batch) if v not in verdicts]
        if not todo:
            return batch, excluded
        screened = screen(todo)
        verdicts.update({v: screened.get(v, Screening(False, "not screened")) for v in todo})
