"""A broker reached over TLS (rediss://): a grading host and a coordinator that verify the
server's certificate, and a clear refusal when they cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from grader.cluster.scratch import free_port
from tests.cluster.conftest import ROOT, StartHost, grader_command, make_cohort

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tls_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A redis-server with TLS only and a self-signed certificate; the URL and the certificate."""
    if shutil.which("redis-server") is None or shutil.which("openssl") is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI needs redis-server and openssl")
        pytest.skip("needs redis-server and openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", "0", "--tls-port", str(port), "--bind", "127.0.0.1", "--tls-cert-file", str(cert),
         "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert), "--tls-auth-clients", "no",
         "--requirepass", "tls-secret", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"rediss://:tls-secret@127.0.0.1:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={cert}"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline and server.poll() is None, "TLS redis-server did not start"
            time.sleep(0.05)
    yield url, cert
    server.terminate()
    server.wait(10)


def test_grading_through_a_tls_broker(tls_broker: tuple[str, Path], start_host: StartHost, tmp_path: Path) -> None:
    url, _ = tls_broker
    cohort = make_cohort(tmp_path, 3)
    start_host(url, "tls", cohort.bank)
    done = subprocess.run(
        grader_command(cohort, tmp_path / "out", "--broker", url), capture_output=True, text=True, cwd=ROOT,
        timeout=180, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out" / "results").glob("*/toy-sum.json"))) == 3
    assert "tls-secret" not in done.stdout + done.stderr


def test_a_certificate_that_cannot_be_verified_is_refused(tls_broker: tuple[str, Path]) -> None:
    url, _ = tls_broker
    unverifiable = url.split("?", 1)[0] + "?ssl_cert_reqs=required"  # the system's CAs do not know it
    done = subprocess.run(
        [sys.executable, "-m", "grader", "cluster", "status", "--broker", unverifiable],
        capture_output=True, text=True, cwd=ROOT, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 3
    assert "certificate verify failed" in done.stderr and "tls-secret" not in done.stderr
