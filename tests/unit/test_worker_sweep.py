"""The zygote's sweep between tests (grader.worker.main.kill_leftovers): it returns only once the
processes a test left are gone, not when the signal is sent."""

from __future__ import annotations

import json
import os

import pytest

from grader.worker import main

LONE_UID = 54321  # a user nothing else on the machine runs as: kill(-1) reaches only its processes


@pytest.mark.skipif(os.geteuid() != 0, reason="switching to a user of its own needs root")
def test_kill_leftovers_returns_once_every_process_of_the_user_is_gone() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # in the zygote's place: alone as its user, with what a test left running
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(LONE_UID)
            os.setuid(LONE_UID)
            for _ in range(40):
                os.posix_spawn("/bin/sleep", ["sleep", "60"], {})
            before = main._others_alive()
            main.kill_leftovers()
            after = main._others_alive()
            os.write(write, json.dumps([before, after]).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        seen = json.loads(pipe.read() or "null")
    assert os.waitstatus_to_exitcode(status) == 0
    assert seen == [True, False]
