"""The grader's PostgreSQL server for real: lifecycle, a test's confinement, loading, observation."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from grader.challenges import load_challenge
from grader.database import (
    DatabaseError,
    Server,
    ServerLocation,
    TestDatabase,
    drop_orphans,
    ensure_server,
    ensure_template,
    role_isolation_problems,
    stop_server,
    template_name,
)
from grader.resources import default_bank_dir


@pytest.fixture(scope="module")
def server() -> Server:
    """The grader's default server (shared with gradings: every name a test makes is random)."""
    return ensure_server()


@pytest.fixture(scope="module")
def library_template(server: Server) -> str:
    challenge = load_challenge(default_bank_dir() / "select-vs-prefetch")
    assert challenge.driver_dir is not None
    return ensure_template(server, challenge.driver_dir)


@pytest.fixture
def test_db(server: Server, library_template: str) -> Iterator[TestDatabase]:
    database = TestDatabase(server, library_template)
    yield database
    database.drop()


def as_role(server: Server, db: TestDatabase) -> psycopg.Connection:
    return psycopg.connect(
        host=str(server.location.socket_dir),
        dbname=db.login.name,
        user=db.login.user,
        password=db.login.password,
        autocommit=True,
    )


def test_a_private_cluster_starts_stops_and_starts_again() -> None:
    # /var/tmp: the server's user (postgres, when the tests run as root) must reach the folder.
    root = Path(tempfile.mkdtemp(prefix="grader-pg-test-", dir="/var/tmp"))
    root.chmod(0o755)
    location = ServerLocation(root / "cluster")
    try:
        first = ensure_server(location)
        assert ensure_server(location) == first  # already running: nothing redone
        with first.connect() as connection:
            assert connection.execute("SHOW listen_addresses").fetchone() == ("",)
        assert stop_server(location) is True
        assert stop_server(location) is False
        again = ensure_server(location)
        assert again.password == first.password
        again.connect().close()
    finally:
        stop_server(location)
        shutil.rmtree(root, ignore_errors=True)


def test_a_folder_the_grader_cannot_use_is_one_clear_error() -> None:
    with pytest.raises(DatabaseError, match="cannot set up the PostgreSQL server"):
        ensure_server(ServerLocation(Path("/proc/no-such-folder")))


def test_a_tests_role_is_confined(server: Server) -> None:
    assert role_isolation_problems(server) == []


def test_the_template_is_built_once_and_named_after_its_sources(server: Server, library_template: str) -> None:
    challenge = load_challenge(default_bank_dir() / "select-vs-prefetch")
    assert challenge.driver_dir is not None
    assert ensure_template(server, challenge.driver_dir) == library_template
    assert template_name(challenge.driver_dir) == library_template
    other = load_challenge(default_bank_dir() / "bulk-lookup")
    assert other.driver_dir is not None
    assert template_name(other.driver_dir) != library_template


def test_every_statement_of_the_role_is_observed_whatever_the_route(server: Server, test_db: TestDatabase) -> None:
    test_db.load({"library_author": [{"id": 7, "name": "A"}], "library_book": [], "library_tag": []})
    with test_db.observe() as seen, as_role(server, test_db) as first, as_role(server, test_db) as second:
        first.execute("SELECT name FROM library_author WHERE id = 7").fetchone()
        with first.transaction():
            first.execute("UPDATE library_author SET name = 'B' WHERE id = 7")
        with second.cursor() as raw:
            raw.execute("SELECT count(*) FROM library_book")
    assert seen.sql == [
        "SELECT name FROM library_author WHERE id = 7",
        "UPDATE library_author SET name = 'B' WHERE id = 7",
        "SELECT count(*) FROM library_book",
    ]
    assert len({s.session for s in seen.statements}) == 2
    assert any(s.is_transaction_control for s in seen.statements)  # BEGIN/COMMIT seen, not counted
    assert test_db.query("SELECT name FROM library_author") == [("B",)]


def test_statements_outside_the_block_are_not_in_it(server: Server, test_db: TestDatabase) -> None:
    with as_role(server, test_db) as connection:
        connection.execute("SELECT 1")
        with test_db.observe() as seen:
            connection.execute("SELECT 2")
        connection.execute("SELECT 3")
    assert seen.sql == ["SELECT 2"]
    assert [s.text for s in test_db.statements()] == ["SELECT 1", "SELECT 2", "SELECT 3"]


def test_load_replaces_rows_and_ids_continue_after_the_largest(server: Server, test_db: TestDatabase) -> None:
    test_db.load({"library_author": [{"id": 40, "name": "x"}, {"id": 3, "name": "y"}]})
    test_db.load({"library_author": [{"id": 41, "name": "z"}]})
    with as_role(server, test_db) as connection:
        new_id = connection.execute("INSERT INTO library_author (name) VALUES ('n') RETURNING id").fetchone()
    assert new_id == (42,)
    assert test_db.query("SELECT id FROM library_author ORDER BY id") == [(41,), (42,)]


def test_drop_ends_the_roles_sessions_and_removes_database_and_role(server: Server, library_template: str) -> None:
    database = TestDatabase(server, library_template)
    lingering = as_role(server, database)  # a process a test left behind keeps its connection
    database.drop()
    with pytest.raises(psycopg.Error):
        lingering.execute("SELECT 1")
    with server.connect() as admin:
        assert admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.login.name]).fetchone() is None
        assert admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [database.login.user]).fetchone() is None


def test_a_session_waiting_on_a_lock_is_seen(server: Server, test_db: TestDatabase) -> None:
    test_db.load({"library_author": [{"id": 1, "name": "a"}]})
    holder = test_db.connect()
    holder.execute("BEGIN")
    holder.execute("SELECT * FROM library_author WHERE id = 1 FOR UPDATE")
    done = threading.Event()

    def update() -> None:
        with as_role(server, test_db) as connection:
            connection.execute("UPDATE library_author SET name = 'b' WHERE id = 1")
        done.set()

    thread = threading.Thread(target=update)
    thread.start()
    try:
        assert test_db.wait_until_blocked(timeout=10)
        assert not done.is_set()
    finally:
        holder.execute("COMMIT")
        holder.close()
        thread.join(10)
    assert done.is_set()


@pytest.mark.skipif(os.geteuid() != 0, reason="the server runs as the postgres user only when the grader is root")
def test_as_root_the_server_runs_as_postgres(server: Server) -> None:
    pid = int((server.location.data / "postmaster.pid").read_text().split()[0])
    assert os.stat(f"/proc/{pid}").st_uid != 0


def test_what_a_killed_harness_left_is_dropped_and_nothing_of_a_live_one(
    server: Server, library_template: str, test_db: TestDatabase
) -> None:
    dead = 2**22 + 12345  # above pid_max's default: no process has it
    orphan = f"t_{dead}_0123abcd"
    with server.connect() as admin:
        admin.execute(f'CREATE ROLE "{orphan}" LOGIN')
        admin.execute(f'CREATE DATABASE "{orphan}" TEMPLATE "{library_template}"')
    assert drop_orphans(server) >= 2
    with server.connect() as admin:
        names = {row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()}
        roles = {row[0] for row in admin.execute("SELECT rolname FROM pg_roles").fetchall()}
    assert orphan not in names and orphan not in roles
    assert test_db.login.name in names and test_db.login.user in roles


def test_a_transaction_left_open_fails_the_next_load_instead_of_hanging(server: Server, test_db: TestDatabase) -> None:
    test_db.load({"library_author": [{"id": 1, "name": "a"}]})
    left_open = as_role(server, test_db)
    left_open.execute("BEGIN")
    left_open.execute("UPDATE library_author SET name = 'b' WHERE id = 1")
    try:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            test_db.load({"library_author": []})
    finally:
        left_open.close()
