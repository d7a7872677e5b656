"""`grader verify` tells its progress as it goes: the gradings planned, each one as it starts and
ends, each check as it is known."""

from __future__ import annotations

from grader.api import SandboxChoice
from grader.bank.verify import Check, VerifyProgress, verify
from tests.conftest import TOY


class Recorder(VerifyProgress):
    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []

    def planned(self, gradings: int) -> None:
        self.events.append(("planned", gradings))

    def started(self, label: str) -> None:
        self.events.append(("started", label))

    def ended(self, label: str) -> None:
        self.events.append(("ended", label))

    def finished(self, check: Check) -> None:
        self.events.append(("finished", check.name))

    def advance(self) -> None:
        self.events.append(("advance", None))


def test_every_grading_is_announced_started_ended_and_counted() -> None:
    recorder = Recorder()
    checks = verify([TOY], sandbox=SandboxChoice("local"), jobs=2, basic=True, wrong=False, progress=recorder)
    kinds = [kind for kind, _ in recorder.events]
    assert recorder.events[0] == ("planned", 3)  # reference, stub, visible suite on the reference
    started = {label for kind, label in recorder.events if kind == "started"}
    assert started == {"toy-sum: reference scores 100%", "toy-sum: stub scores 0%",
                       "toy-sum: visible tests pass on the reference"}  # fmt: skip
    assert {label for kind, label in recorder.events if kind == "ended"} == started
    assert kinds.count("advance") == 3
    graded = {name for kind, name in recorder.events if kind == "finished"}
    assert graded == {c.name for c in checks if c.name in graded} and "hidden tests described" in graded
