"""What `grader verify` plans for a challenge and how it judges a wrong variant (the gradings themselves
run in tests/integration and CI)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.bank.verify import (
    NOT_RUN_PREFIX,
    Catchers,
    Check,
    catchers,
    description_check,
    generated_tests,
    is_generated,
    judge_wrong,
    plan,
    slowest,
    split_test_id,
    suite_generated_tests,
)
from grader.challenges import find_challenge
from grader.harness.plugin import NOT_RUN
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult, Timing
from grader.report import Format, render_verify


def test_every_alternative_is_held_to_the_hidden_and_the_visible_suite() -> None:
    challenge = find_challenge("streaming-export")
    jobs, _checks = plan(challenge, basic=False, wrong=True)
    alternatives = sorted(p.name for p in challenge.alternatives_dir.glob("*.py"))
    for name in alternatives:
        suites = {job.suite for job in jobs if job.submission.name == name}
        assert suites == {Suite.HIDDEN, Suite.VISIBLE}, name


# ------------------------------------------------------------------ generated tests catch every wrong variant

SUITE = """
import unittest

import hypothesis
import pytest
from hypothesis import given as g, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from mylib import given


class Machine(RuleBasedStateMachine):
    @rule()
    def step(self):
        pass


class DerivedMachine(Machine):
    pass


class Helper:  # not a machine: its TestCase is not a generated test
    TestCase = unittest.TestCase


TestMachine = pytest.mark.weight(3)(Machine.TestCase)
TestMachine.settings = settings(max_examples=5)
TestHelper = Helper.TestCase


class TestDerived(DerivedMachine.TestCase):
    pass


class TestMore(TestDerived):
    pass


class TestGroup:
    @settings(max_examples=5)
    @hypothesis.given(st.integers())
    def test_generated_method(self, x):
        pass

    def test_example_method(self):
        pass


class TestPlain(unittest.TestCase):
    def test_it(self):
        pass


@pytest.mark.weight(2)
@g(x=st.integers())
def test_generated(submission, x):
    pass


@given(3)  # mylib's `given`, not hypothesis'
def test_other_given(submission):
    pass


def test_runs_a_machine():
    run_state_machine_as_test(Machine)


def test_example(submission):
    assert submission.f(1) == 2


test_assigned = g(st.integers())(lambda x: None)
"""

GENERATED_IN_SUITE = {
    "TestMachine",
    "TestDerived",
    "TestMore",
    "TestGroup::test_generated_method",
    "test_generated",
    "test_runs_a_machine",
    "test_assigned",
}


def test_generated_tests_are_found_from_the_source_alone() -> None:
    assert generated_tests(SUITE) == GENERATED_IN_SUITE


def test_star_and_module_imports_are_resolved() -> None:
    source = (
        "import hypothesis.stateful as hs\nfrom hypothesis import *\n"
        "class M(hs.RuleBasedStateMachine):\n    pass\n"
        "TestM = M.TestCase\n"
        "@given(1)\ndef test_a(x):\n    pass\n"
    )
    assert generated_tests(source) == {"TestM", "test_a"}


def test_the_lru_cache_suite_has_its_property_and_its_state_machine() -> None:
    challenge = find_challenge("lru-cache")
    generated = suite_generated_tests(challenge.hidden_dir)
    (names,) = generated.values()
    assert {"test_any_sequence_matches_the_model", "TestLRUMachine"} <= names
    assert "test_put_on_an_existing_key_makes_it_most_recently_used" not in names


@pytest.mark.parametrize(
    ("test_id", "expected"),
    [
        ("test_x.py::test_a", ("test_x.py", ("test_a",))),
        ("test_x.py::TestM::runTest", ("test_x.py", ("TestM", "runTest"))),
        ("sub/test_x.py::test_a[0-a::b[c]]", ("sub/test_x.py", ("test_a",))),
        ("test_x.py", ("test_x.py", ())),
    ],
)
def test_split_test_id(test_id: str, expected: tuple[str, tuple[str, ...]]) -> None:
    assert split_test_id(test_id) == expected


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)


@given(
    file=st.from_regex(r"([a-z]{1,4}/)?test_[a-z]{1,5}\.py", fullmatch=True),
    names=st.lists(NAMES, min_size=1, max_size=3),
    param=st.none() | st.text(max_size=12),
)
def test_split_test_id_takes_any_parameter_off(file: str, names: list[str], param: str | None) -> None:
    test_id = f"{file}::{'::'.join(names)}" + ("" if param is None else f"[{param}]")
    assert split_test_id(test_id) == (file, tuple(names))


def test_a_test_is_generated_by_its_name_its_class_or_its_path_end() -> None:
    generated = {"test_x.py": frozenset({"test_prop", "TestM", "TestG::test_m"})}
    assert is_generated("test_x.py::test_prop", generated)
    assert is_generated("test_x.py::test_prop[3-a]", generated)
    assert is_generated("test_x.py::TestM::runTest", generated)
    assert is_generated("test_x.py::TestG::test_m", generated)
    assert is_generated("hidden/test_x.py::test_prop", generated)
    assert not is_generated("test_x.py::TestG::test_other", generated)
    assert not is_generated("test_x.py::test_example", generated)
    assert not is_generated("test_y.py::test_prop", generated)
    assert not is_generated("test_x.py", generated)


GENERATED = {"test_lru.py": frozenset({"test_prop", "TestMachine"})}


def result_of(*tests: TestResult, percent: float = 50.0) -> GradeResult:
    return GradeResult(
        challenge="lru-cache",
        suite=Suite.HIDDEN,
        submission_sha256="ab" * 32,
        status=GradeStatus.GRADED,
        score=percent,
        max_score=100,
        percent=percent,
        tests=tests,
        sandbox={"backend": "local"},
        grader_version="0",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:01+00:00",
    )


def failed(name: str, message: str = "assert 1 == 2", timing: Timing | None = None) -> TestResult:
    return TestResult(f"test_lru.py::{name}", Outcome.FAILED, message=message, timing=timing)


def passed(name: str) -> TestResult:
    return TestResult(f"test_lru.py::{name}", Outcome.PASSED)


def test_a_variant_caught_by_a_generated_test_passes_and_names_its_catchers() -> None:
    ok, detail = judge_wrong(
        result_of(failed("test_prop"), failed("TestMachine::runTest"), failed("test_x"), passed("test_y"), percent=42),
        60,
        GENERATED,
    )
    assert ok
    assert detail == "42% (max 60): caught by generated test_prop, TestMachine::runTest; by examples test_x"


def test_a_variant_caught_only_by_examples_fails_whatever_its_score() -> None:
    ok, detail = judge_wrong(result_of(failed("test_x"), passed("test_prop"), percent=10), 60, GENERATED)
    assert not ok
    assert detail == "10% (max 60): caught by examples test_x -- caught only by example tests"


def test_a_variant_over_its_bound_fails_even_when_a_generated_test_catches_it() -> None:
    ok, detail = judge_wrong(result_of(failed("test_prop"), percent=70), 60, GENERATED)
    assert not ok
    assert detail.startswith("70% (max 60, over it): caught by generated test_prop")


def test_right_but_slow_is_caught_by_a_time_bound_alone() -> None:
    stopped = failed("test_perf", "too slow: exceeded the 8 s bound for 200000 operations (stopped)")
    over = failed("test_perf2", "AssertionError: slower than the bound", Timing(9.0, 8.0))
    ok, detail = judge_wrong(result_of(stopped, over, passed("test_prop"), percent=85), 85, GENERATED)
    assert ok, detail
    assert "by the time bound of test_perf, test_perf2" in detail
    # A wrong answer in a hand-written test as well: the properties missed a bug.
    ok, detail = judge_wrong(result_of(stopped, failed("test_x"), percent=80), 85, GENERATED)
    assert not ok
    assert "caught only by example tests" in detail


def test_tests_the_run_never_reached_catch_nothing() -> None:
    not_run = TestResult("test_lru.py::test_prop", Outcome.ERROR, message=NOT_RUN)
    ok, detail = judge_wrong(result_of(failed("test_x"), not_run, percent=0), 60, GENERATED)
    assert not ok
    assert "1 not run" in detail
    assert catchers([not_run], GENERATED) == Catchers(not_run=("test_prop",))


def test_an_error_is_not_a_catch() -> None:
    result = replace(result_of(percent=0), status=GradeStatus.ERROR, error="harness failed")
    assert judge_wrong(result, 60, GENERATED) == (False, "error: harness failed (max 60%)")


def test_nothing_caught_fails() -> None:
    ok, detail = judge_wrong(result_of(passed("test_prop"), percent=100), 95, GENERATED)
    assert not ok
    assert detail == "100% (max 95, over it): caught by no test -- no generated test fails"


TEST_NAMES = st.sampled_from(["test_prop", "TestMachine::runTest", "test_x", "test_y", "test_perf"])
RESULTS = st.builds(
    TestResult,
    id=TEST_NAMES.map(lambda name: f"test_lru.py::{name}"),
    outcome=st.sampled_from(Outcome),
    message=st.sampled_from(["", "assert 1 == 2", "too slow: 9 s", NOT_RUN]),
    timing=st.none() | st.builds(Timing, st.floats(0, 10), st.floats(0.1, 10)),
)


@given(tests=st.lists(RESULTS, max_size=8))
def test_catchers_sort_every_test_that_did_not_pass_into_exactly_one_kind(tests: list[TestResult]) -> None:
    found = catchers(tests, GENERATED)
    not_passed = [t for t in tests if t.outcome is not Outcome.PASSED]
    assert len(found.generated) + len(found.examples) + len(found.slow) + len(found.not_run) == len(not_passed)
    ran = [t for t in not_passed if not (t.outcome is Outcome.ERROR and t.message == NOT_RUN)]
    assert found.generated == tuple(t.id.partition("::")[2] for t in ran if is_generated(t.id, GENERATED))
    assert bool(found.generated) == any(t.id.split("::")[1] in {"test_prop", "TestMachine"} for t in ran)
    ok, _detail = judge_wrong(result_of(*tests, percent=50), 60, GENERATED)
    assert ok == (bool(found.generated) or (bool(found.slow) and not found.examples))


# One kind of test definition per entry: (source, generated?) for a test named `{name}`.
KINDS = {
    "plain": ("def {name}(submission):\n    pass\n", False),
    "given": ("@given(st.integers())\ndef {name}(submission, x):\n    pass\n", True),
    "given_module": ("@settings(max_examples=3)\n@hypothesis.given(x=st.integers())\ndef {name}(x):\n    pass\n", True),
    "marked": ("@pytest.mark.weight(2)\ndef {name}(submission):\n    pass\n", False),
    "machine": ("{name} = pytest.mark.weight(3)(Machine.TestCase)\n", True),
    "machine_class": ("class {name}(Machine.TestCase):\n    pass\n", True),
    "unittest": ("class {name}(unittest.TestCase):\n    def test_it(self):\n        pass\n", False),
}
HEADER = (
    "import unittest\nimport hypothesis\nimport pytest\n"
    "from hypothesis import given, settings, strategies as st\n"
    "from hypothesis.stateful import RuleBasedStateMachine\n"
    "class Machine(RuleBasedStateMachine):\n    pass\n"
)


@given(
    entries=st.lists(
        st.tuples(st.from_regex(r"test_[a-z]{1,6}", fullmatch=True), st.sampled_from(sorted(KINDS))),
        unique_by=lambda entry: entry[0],
        max_size=8,
    )
)
def test_any_mix_of_test_kinds_is_classified(entries: list[tuple[str, str]]) -> None:
    source = HEADER + "\n".join(KINDS[kind][0].format(name=name) for name, kind in entries)
    assert generated_tests(source) == {name for name, kind in entries if KINDS[kind][1]}


def test_the_harness_marks_tests_it_never_ran_as_verify_expects() -> None:
    assert NOT_RUN.startswith(NOT_RUN_PREFIX)


def test_wrong_variants_are_judged_against_the_suites_generated_tests() -> None:
    challenge = find_challenge("lru-cache")
    jobs, _checks = plan(challenge, basic=False, wrong=True)
    job = next(job for job in jobs if job.name.startswith("wrong/"))
    example = TestResult("test_lru_cache.py::test_capacity_one_keeps_only_the_last_key", Outcome.FAILED)
    machine = TestResult("test_lru_cache.py::TestLRUMachine::runTest", Outcome.FAILED)
    assert not job.judge(result_of(example, percent=10))[0]
    assert job.judge(result_of(example, machine, percent=10))[0]


def test_every_hidden_test_needs_its_public_description() -> None:
    lru = find_challenge("lru-cache")
    described = replace(passed("test_a"), description="Evicts the least recently used key.")
    check = description_check(lru, result_of(described, passed("test_b[1]"), passed("test_b[2]"), percent=100))
    assert not check.ok and check.detail == "no description: test_lru.py::test_b"
    assert description_check(lru, result_of(described, percent=100)).ok
    assert not description_check(lru, result_of(percent=0)).ok  # nothing graded, nothing described


def test_slowest_lists_timed_checks_longest_first_and_the_report_keeps_the_times() -> None:
    checks = [
        Check("a", "reference scores 100%", True, "100%", 2.5),
        Check("a", "challenge.toml", True, "valid"),
        Check("b", "wrong/x.py", True, "40%", 9.0),
        Check("b", "wrong/y.py", False, "90%", 0.5),
    ]
    assert [c.name for c in slowest(checks, 2)] == ["wrong/x.py", "reference scores 100%"]
    assert all(c.seconds is not None for c in slowest(checks))
    data = json.loads(render_verify(checks, Format.JSON))
    assert [c["seconds"] for c in data["checks"]] == [2.5, None, 9.0, 0.5]
