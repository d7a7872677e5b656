import pytest
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.weight(2)
def test_add_small(submission):
    """Adds two small numbers."""
    assert submission.add(2, 3) == 5


@pytest.mark.weight(3)
@given(a=st.integers(), b=st.integers())
def test_add_property(submission, a, b):
    """Adds any two integers."""
    assert submission.add(a, b) == a + b


def test_greet(submission):
    """Greets a person by name."""
    assert submission.greet("ada") == "hello ada"


def test_spin(submission):
    """Returns the number of turns it was asked for."""
    assert submission.spin(3) == 3
