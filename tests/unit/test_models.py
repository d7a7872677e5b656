from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.errors import InputError
from grader.models import GradeResult, GradeStatus, Outcome, Suite, TestResult, Timing

text = st.text(max_size=20)
test_results = st.builds(
    TestResult,
    id=st.text(min_size=1, max_size=20),
    outcome=st.sampled_from(Outcome),
    weight=st.integers(1, 5).map(float),
    duration_s=st.floats(0, 100).map(lambda x: round(x, 4)),
    message=text,
    falsifying_example=st.none() | text,
    output=text,
    timing=st.none() | st.builds(Timing, st.floats(0, 10), st.floats(0.1, 10)),
)
results = st.builds(
    GradeResult,
    challenge=st.just("lru-cache"),
    suite=st.sampled_from(Suite),
    submission_sha256=st.just("0" * 64),
    status=st.sampled_from(GradeStatus),
    score=st.floats(0, 10),
    max_score=st.floats(0, 10),
    percent=st.floats(0, 100),
    tests=st.lists(test_results, max_size=5).map(tuple),
    sandbox=st.just({"backend": "local"}),
    grader_version=st.just("0.1.0"),
    started_at=st.just("2026-01-01T00:00:00+00:00"),
    finished_at=st.just("2026-01-01T00:00:01+00:00"),
    error=st.none() | text,
)


@given(results)
def test_result_round_trips_through_json(result: GradeResult) -> None:
    data = json.loads(json.dumps(result.to_dict()))
    assert GradeResult.from_dict(data) == result


def test_result_json_has_the_documented_keys() -> None:
    result = GradeResult(
        "x", Suite.HIDDEN, "0" * 64, GradeStatus.GRADED, 1, 1, 100, (TestResult("t", Outcome.PASSED),),
        {}, "0.1.0", "a", "b",
    )  # fmt: skip
    data = result.to_dict()
    for key in ["schema_version", "challenge", "submission_sha256", "status", "score", "max_score", "percent",
                "tests", "sandbox", "grader_version", "started_at", "finished_at"]:  # fmt: skip
        assert key in data
    assert set(data["tests"][0]) >= {
        "id",
        "outcome",
        "weight",
        "duration_s",
        "message",
        "falsifying_example",
    }


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("challenge"), "missing field 'challenge'"),
        (lambda d: d.update(schema_version=99), "schema_version 99"),
        (lambda d: d.update(status="great"), "field 'status' has unknown value"),
        (lambda d: d.update(score="1"), "field 'score' has the wrong type"),
        (lambda d: d.update(tests=[{"id": "x"}]), "tests: malformed entry"),
    ],
)
def test_malformed_results_name_the_field(mutate, message) -> None:  # type: ignore[no-untyped-def]
    result = GradeResult("x", Suite.HIDDEN, "0" * 64, GradeStatus.GRADED, 1, 1, 100, (), {}, "0.1.0", "a", "b")
    data = result.to_dict()
    mutate(data)
    with pytest.raises(InputError, match=message):
        GradeResult.from_dict(data)
