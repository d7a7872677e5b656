"""How many messages a grading sends between the harness and the submission (not a timed test:
round trips are what a container's channel makes slow, so their count is what must not creep up)."""

from __future__ import annotations

from grader.api import SandboxChoice, grade
from grader.challenges import find_challenge

# token-bucket's reference, measured: 8,757 round trips when every clock() was a callback, 4,378
# once the fake clock's time travels with each call (grader.worker.rpc.Mirror).
TOKEN_BUCKET_MAX_ROUND_TRIPS = 5000


def test_a_token_bucket_grading_reads_the_clock_without_round_trips() -> None:
    challenge = find_challenge("token-bucket")
    result = grade(challenge.reference_dir, challenge, sandbox=SandboxChoice("local"), shrink=False)
    assert result.percent == 100.0
    assert 0 < result.extra["round_trips"] <= TOKEN_BUCKET_MAX_ROUND_TRIPS
