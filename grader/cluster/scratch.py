"""A private, throw-away redis-server on this machine: for `grader bench --cluster` and the tests.

Bound to 127.0.0.1 on a free port, with a random password, no persistence, in a temp folder;
stopped (and its folder removed) when the context ends.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from grader.errors import BrokerError

START_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def scratch_redis() -> Iterator[str]:
    """The URL (with its password) of a redis-server that lives as long as the context."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise BrokerError("redis-server is not installed (Debian: apt-get install redis-server)")
    import redis

    folder = Path(tempfile.mkdtemp(prefix="grader-redis-"))
    port, password = free_port(), secrets.token_urlsafe(16)
    config = folder / "redis.conf"
    # The password goes in a file, not on the command line, where `ps` would show it.
    config.write_text(
        f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir {folder}\nrequirepass {password}\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    process = subprocess.Popen([binary, str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://:{password}@127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BrokerError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
