"""`grader challenge new`: a challenge folder with every file in place, each saying what belongs there."""

from __future__ import annotations

from pathlib import Path

from grader.challenges import SLUG_PATTERN, Kind
from grader.errors import InputError

_TOML = """\
# What `grader` needs to know about this challenge. Every field is validated on load.
slug = "{slug}"
title = "TODO: a short title"
difficulty = "medium"          # easy | medium | hard
tags = []
kind = "{kind}"                # python | django (django needs a driver)
entry = "solution"             # the module candidates write
{driver_line}
[seed]
section = "TODO: the seed document's section"
question = 1

[limits]
call_seconds = 10              # one call into the submission
suite_seconds = 120            # the whole hidden suite
memory_mb = 512

# Mutants that cannot be told apart from the reference, each with its reason:
# [[equivalent_mutants]]
# id = "drop@12:8"
# reason = "..."
"""

_PROMPT = """\
# TODO: title

<!-- In your own words. The exact interface (signatures), every rule the hidden tests
check (edge cases, errors, ordering), the complexity expected with the sizes the
performance test uses, and one short example. A candidate who reads only this and
the stub must know everything the tests check. -->

## Interface

## Rules

## Example
"""

_STUB = '''\
"""The candidate's starting point: the interface with docstrings, bodies raise NotImplementedError."""


def solve(*args):
    """TODO: describe what this returns and its edge cases."""
    raise NotImplementedError
'''

_REFERENCE = '''\
"""The reference solution: correct, clean, efficient. Never shown to candidates."""


def solve(*args):
    raise NotImplementedError("TODO: write the reference")
'''

_VISIBLE = '''\
"""A few examples from the prompt; candidates run these with `grader test`."""


def test_example(submission):
    assert submission.solve() is not None  # TODO: an example from the prompt
'''

_HIDDEN = '''\
"""The hidden suite: examples for every rule, hypothesis properties against an oracle
written here, a RuleBasedStateMachine for stateful objects, and a performance test
with grader.testing.run_batch/timed whose bound is at least three times the
reference's time. Weights: @pytest.mark.weight(n). Each test needs a public description, the
one line candidates see of it (grader verify requires one): in descriptions.toml beside this file,
or the first line of its docstring."""

import pytest
from hypothesis import given
from hypothesis import strategies as st


def oracle(*args):
    raise NotImplementedError("TODO: an obviously correct, slow version")


@pytest.mark.weight(2)
@given(st.integers())
def test_matches_the_oracle(submission, x):
    """TODO: the rule of the prompt this test checks, in the prompt's words, without its inputs."""
    assert submission.solve(x) == oracle(x)
'''

_WRONG = """\
# wrong: TODO: one line saying what is wrong
# max-percent: 90
# Replace this file with a plausible wrong solution; add at least five.
"""

_ALTERNATIVE = """\
# alternative: TODO: one line saying how it differs from the reference
# A correct solution written differently (another algorithm or data structure); add at least two.
"""

_DRIVER = '''\
"""Runs in the worker next to the submission; returns plain observations only.

import djangokit, call djangokit.setup("app_label"), exercise `solution`, and return
lists/dicts/ints/strings (rows, captured SQL, log records) for the hidden tests.
"""
'''


def scaffold_challenge(root: Path, slug: str, kind: Kind) -> list[Path]:
    """Write the skeleton of a new challenge at `root/slug`; refuses to overwrite."""
    if not SLUG_PATTERN.match(slug):
        raise InputError(f"{slug!r}: a slug is lower-case words joined by '-'")
    folder = root / slug
    if folder.exists():
        raise InputError(f"{folder}: already exists")
    files = {
        "challenge.toml": _TOML.format(
            slug=slug, kind=kind.value, driver_line='driver = "driver"\n' if kind is Kind.DJANGO else ""
        ),
        "prompt.md": _PROMPT,
        "stub/solution.py": _STUB,
        "reference/solution.py": _REFERENCE,
        "tests/visible/test_examples.py": _VISIBLE,
        "tests/hidden/test_hidden.py": _HIDDEN,
        "wrong/example_wrong.py": _WRONG,
        "alternatives/example_alternative.py": _ALTERNATIVE,
    }
    if kind is Kind.DJANGO:
        files["driver/driver.py"] = _DRIVER
    written = []
    for relative, content in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
