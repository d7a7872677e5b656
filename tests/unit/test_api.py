"""The harness's environment is built from an allowlist, not inherited."""

from __future__ import annotations

from grader.api import harness_environment


def test_only_the_allowlisted_variables_are_inherited() -> None:
    caller = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "DOCKER_HOST": "unix:///run/docker.sock",
        "CI": "true",
        "BUILD_NUMBER": "3",
        "PYTEST_ADDOPTS": "-p evil",
        "PYTHONPATH": "/tmp/evil",
        "HYPOTHESIS_PROFILE": "ci",
        "PYTHONHASHSEED": "random",
    }
    env = harness_environment(caller)
    assert env["PATH"] == "/usr/bin" and env["DOCKER_HOST"] == "unix:///run/docker.sock"
    for name in ("CI", "BUILD_NUMBER", "PYTEST_ADDOPTS", "HYPOTHESIS_PROFILE"):
        assert name not in env
    assert env["PYTHONPATH"] != "/tmp/evil"
    assert env["PYTHONHASHSEED"] == "0"
    assert env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1"
