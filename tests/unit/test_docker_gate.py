"""Docker tests skip on a machine without the sandbox, but under CI its absence fails the run."""

from __future__ import annotations

import pytest

from tests.conftest import docker_unavailable


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_under_ci_a_missing_sandbox_fails(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="CI needs the Docker sandbox: no engine"):
        docker_unavailable("no engine")


def test_elsewhere_it_skips(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception):
        docker_unavailable("no engine")
