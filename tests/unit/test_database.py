"""The statement log reader and the rules around it, without a server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.database import (
    DatabaseError,
    Observed,
    ServerLocation,
    Statement,
    StatementLog,
    _ensure_server,
    default_location,
    server_settings,
    statement_text,
)


def entry(user: str, message: str, severity: str = "LOG", session: str = "s1") -> str:
    return json.dumps(
        {"user": user, "dbname": "d", "session_id": session, "error_severity": severity, "message": message}
    )


def write_log(path: Path, lines: list[str]) -> StatementLog:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return StatementLog(path)


def test_statement_text_reads_simple_and_extended_protocol_messages() -> None:
    assert statement_text("statement: SELECT 1") == "SELECT 1"
    assert statement_text("execute <unnamed>: SELECT $1") == "SELECT $1"
    assert statement_text("execute S_1: SELECT 2") == "SELECT 2"
    assert statement_text("duration: 0.1 ms") is None
    assert statement_text("connection authorized: user=t") is None


def test_only_the_users_logged_statements_between_the_offsets_count(tmp_path: Path) -> None:
    lines = [
        entry("t_a", "statement: SELECT 'before'"),
        entry("t_a", "statement: SELECT 1"),
        entry("t_b", "statement: SELECT 'other test'"),
        entry("grader", "statement: SELECT 'owner'"),
        entry("t_a", "statement: SELECT broken", severity="ERROR"),
        entry("t_a", "execute <unnamed>: SELECT 2", session="s2"),
    ]
    log = write_log(tmp_path / "log.json", lines)
    start = len(lines[0]) + 1
    found = log.statements("t_a", start, log.size())
    assert found == [Statement("SELECT 1", "s1"), Statement("SELECT 2", "s2")]
    assert log.statements("t_a", 10, 10) == []


@given(st.text(max_size=200))
def test_no_statement_text_can_pose_as_another_users_log_line(text: str) -> None:
    """The server writes one JSON object per line with the text escaped: whatever a submission
    sends (newlines, quotes, a forged entry) stays inside its own statement."""
    forged = text + "\n" + entry("t_victim", "statement: SELECT forged")
    line = entry("t_attacker", "statement: " + forged)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["user"] == "t_attacker"
    assert statement_text(parsed["message"]) == forged


def test_a_forged_entry_inside_a_statement_is_not_counted_for_anyone_else(tmp_path: Path) -> None:
    forged = "SELECT 1 /*\n" + entry("t_victim", "statement: SELECT 'planted'") + "\n*/"
    log = write_log(tmp_path / "log.json", [entry("t_attacker", "statement: " + forged)])
    assert log.statements("t_victim", 0, log.size()) == []
    assert [s.text for s in log.statements("t_attacker", 0, log.size())] == [forged]


@pytest.mark.parametrize(
    "sql", ["BEGIN", "begin;", "  COMMIT", "ROLLBACK TO SAVEPOINT s1", 'SAVEPOINT "s1"', "RELEASE SAVEPOINT s", "END"]
)
def test_transaction_control_is_left_out_of_counts(sql: str) -> None:
    observed = Observed([Statement(sql, "s"), Statement("SELECT 1", "s")])
    assert observed.sql == ["SELECT 1"]
    assert observed.queries == 1


@pytest.mark.parametrize("sql", ["SELECT 1", "UPDATE t SET x = 1", "DECLARE c CURSOR FOR SELECT 1", "FETCH 5 FROM c"])
def test_every_other_statement_counts(sql: str) -> None:
    assert Observed([Statement(sql, "s")]).queries == 1


def test_the_server_listens_on_no_network_address_and_logs_every_statement(tmp_path: Path) -> None:
    settings = server_settings(ServerLocation(tmp_path))
    assert settings["listen_addresses"] == "''"
    assert settings["log_statement"] == "'all'"
    assert settings["log_destination"] == "'jsonlog'"


def test_the_cluster_folder_can_be_chosen(tmp_path: Path) -> None:
    assert default_location({"GRADER_POSTGRES_DIR": str(tmp_path)}).root == tmp_path.resolve()


def test_the_cluster_lives_in_shared_memory_when_it_is_big_enough(tmp_path: Path) -> None:
    roomy = tmp_path / "shm"
    roomy.mkdir()  # on this machine's disk: far more than 2 GiB in all
    assert default_location({}, shared_memory=roomy).root == roomy / f"grader-postgres-{os.geteuid()}"
    on_disk = {Path("/var/tmp/grader-postgres"), tmp_path / "cache" / "grader" / "postgres"}
    assert (
        default_location({"XDG_CACHE_HOME": str(tmp_path / "cache")}, shared_memory=tmp_path / "absent").root in on_disk
    )


def test_a_small_shared_memory_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.statvfs

    def small(path: object) -> os.statvfs_result:
        stats = real(path)  # type: ignore[arg-type]
        fields = list(stats)
        fields[2] = (64 * 1024 * 1024) // stats.f_frsize  # f_blocks: a container's default 64 MiB
        return os.statvfs_result(fields)

    monkeypatch.setattr(os, "statvfs", small)
    chosen = default_location({"XDG_CACHE_HOME": str(tmp_path / "cache")}, shared_memory=tmp_path)
    assert chosen.root in {Path("/var/tmp/grader-postgres"), tmp_path / "cache" / "grader" / "postgres"}


def test_a_cluster_folder_someone_else_owns_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    location = ServerLocation(tmp_path / "cluster")
    location.root.mkdir()
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(tmp_path).st_uid + 1)
    with pytest.raises(DatabaseError, match="belongs to uid"):
        _ensure_server(location, tmp_path, None)
    assert not location.lock_file.exists()


def test_a_cluster_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    location = ServerLocation(tmp_path / "cluster")
    location.root.symlink_to(target)
    with pytest.raises(DatabaseError, match="not a directory"):
        _ensure_server(location, tmp_path, None)
    assert list(target.iterdir()) == []
