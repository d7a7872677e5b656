"""The live progress of long runs: drawn on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from rich.console import Console

from grader.terminal import LiveProgress


def test_off_a_terminal_only_the_lines_are_printed() -> None:
    buffer = io.StringIO()
    live = LiveProgress(Console(file=buffer, force_terminal=False, width=100), "verify")
    live.start(3)
    live.running("lru-cache: stub scores 0%", on=True)
    live.print("ok   lru-cache: stub scores 0%")
    live.print("FAIL x: " + "y" * 150)
    live.running("lru-cache: stub scores 0%", on=False)
    live.advance()
    live.stop()
    assert buffer.getvalue() == "ok   lru-cache: stub scores 0%\n" + "FAIL x: " + "y" * 150 + "\n"  # one line each


def test_on_a_terminal_the_bar_names_what_runs_and_counts_what_is_done() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=160, color_system=None)
    live = LiveProgress(console, "verify")
    live.start(4)
    for label in ("a: one", "b: two", "c: three"):
        live.running(label, on=True)
    live.advance()
    live._bar.refresh()  # type: ignore[union-attr]  # draw now, not at the next tick
    drawn = buffer.getvalue()
    live.stop()
    assert "verify: a: one, b: two (+1)" in drawn
    assert "1/4" in drawn
