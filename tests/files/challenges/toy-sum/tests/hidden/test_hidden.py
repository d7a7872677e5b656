import pytest
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.weight(2)
def test_add_small(submission):
    assert submission.add(2, 3) == 5


@pytest.mark.weight(3)
@given(a=st.integers(), b=st.integers())
def test_add_property(submission, a, b):
    assert submission.add(a, b) == a + b


def test_greet(submission):
    assert submission.greet("ada") == "hello ada"


def test_spin(submission):
    assert submission.spin(3) == 3
