"""What `grader verify` plans for a challenge (the gradings themselves run in tests/integration and CI)."""

from __future__ import annotations

from grader.bank.verify import plan
from grader.challenges import find_challenge
from grader.models import Suite


def test_every_alternative_is_held_to_the_hidden_and_the_visible_suite() -> None:
    challenge = find_challenge("streaming-export")
    jobs, _checks = plan(challenge, basic=False, wrong=True)
    alternatives = sorted(p.name for p in challenge.alternatives_dir.glob("*.py"))
    for name in alternatives:
        suites = {job.suite for job in jobs if job.submission.name == name}
        assert suites == {Suite.HIDDEN, Suite.VISIBLE}, name
