"""The PostgreSQL server the grader runs for the Django bank, and one database of its own per test.

Trusted side only: the harness provisions, loads, observes and drops; the worker gets a login for
one test's database and nothing else.

Why a private cluster (initdb in a folder of the grader's) rather than a database container: it
needs nothing but Debian's `postgresql` package (no image to build offline), starts in about a
second, serves `--sandbox local` and `--sandbox docker` alike (the container reaches it through its
Unix socket, mounted in; the container's network stays off), and lives on between gradings.

What decides a grade is read here, from the server, never from the worker:
- every statement the test's role sends, from the server's statement log (`log_statement = all`,
  written as JSON lines by the server's logging collector), in order, between two marks the
  harness writes into the same log;
- the data, through the owner's own connection (`query`);
- faults and locks, as database objects the test's role does not own (`execute`).

Each test gets a database copied from the challenge's template (its tables made by Django's
`migrate`, as the owner) and a login role of its own with a random password: not a superuser, no
CREATEDB/CREATEROLE, CONNECT on its own database only, no TEMP, no CREATE on any schema, and only
SELECT/INSERT/UPDATE/DELETE on the challenge's tables (through the group role it belongs to).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import re
import secrets
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import ExitCode, GraderError
from grader.sandbox.base import Check
from grader.worker.djangokit import is_transaction_control

OWNER = "grader"
# Every test's role is a member: the template grants table privileges to it, once.
SUBMITTER_GROUP = "grader_submitters"
TEMPLATE_PREFIX = "tpl_"
TEST_PREFIX = "t_"
START_SECONDS = 60.0
LOG_WAIT_SECONDS = 10.0
LOCK_TIMEOUT_SECONDS = 10
LOG_KEEP_BYTES = 256 * 1024 * 1024
SCHEMA_BUILDER = Path(__file__).resolve().parent / "worker" / "schema.py"


class DatabaseError(GraderError):
    """The grader's PostgreSQL server cannot be set up or reached (never a submission's doing)."""

    exit_code = ExitCode.INFRASTRUCTURE


# ---------------------------------------------------------------- where and how


@dataclass(frozen=True, slots=True)
class ServerLocation:
    """The folders of the private cluster; `root` holds them all."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log_dir(self) -> Path:
        return self.root / "log"

    @property
    def statement_log(self) -> Path:
        return self.log_dir / "statements.json"

    @property
    def password_file(self) -> Path:
        return self.root / "owner-password"

    @property
    def lock_file(self) -> Path:
        return self.root / "lock"


def default_location(
    environ: Mapping[str, str] = os.environ, *, shared_memory: Path = Path("/dev/shm")
) -> ServerLocation:
    """GRADER_POSTGRES_DIR, else a folder in shared memory, else one on disk.

    Shared memory (a tmpfs) first: the cluster is throwaway (rebuilt by initdb when it is gone) and
    every test copies a template database and logs every statement, so on disk the kernel's
    writeback of those files took a sixth of a grading's wall time. As root the server runs as
    the `postgres` user (initdb refuses root), which cannot enter /root: on disk the cluster then
    lives in /var/tmp, else in the user's cache.
    """
    configured = environ.get("GRADER_POSTGRES_DIR")
    if configured:
        return ServerLocation(Path(configured).resolve())
    if _roomy(shared_memory):
        return ServerLocation(shared_memory / f"grader-postgres-{os.geteuid()}")
    if os.geteuid() == 0:
        return ServerLocation(Path("/var/tmp/grader-postgres"))
    cache = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return ServerLocation(cache / "grader" / "postgres")


SHARED_MEMORY_MIN_BYTES = 2 * 1024**3


def _roomy(folder: Path) -> bool:
    """A writable folder whose file system holds at least 2 GiB in all (a container's /dev/shm is
    64 MiB by default). Its size, not its free space, so the choice is the same on every call."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK) and stats.f_blocks * stats.f_frsize >= SHARED_MEMORY_MIN_BYTES


def find_binaries(environ: Mapping[str, str] = os.environ) -> Path:
    """The folder of `initdb`, `pg_ctl` and `postgres`: GRADER_POSTGRES_BIN, else the newest Debian one."""
    configured = environ.get("GRADER_POSTGRES_BIN")
    candidates = [Path(configured)] if configured else []
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = sorted((p for p in debian.iterdir() if p.name.isdigit()), key=lambda p: int(p.name), reverse=True)
        candidates += [version / "bin" for version in versions]
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise DatabaseError(
        "PostgreSQL server not found: install it (apt-get install postgresql) or set GRADER_POSTGRES_BIN"
    )


def server_settings(location: ServerLocation) -> dict[str, str]:
    """The cluster's settings: a socket only, throwaway durability, every statement logged as JSON."""
    return {
        "listen_addresses": "''",
        "unix_socket_directories": f"'{location.socket_dir}'",
        "unix_socket_permissions": "0777",
        "max_connections": "300",
        # The data is rebuilt from fixtures for every test: durability buys nothing here.
        "fsync": "off",
        "synchronous_commit": "off",
        "full_page_writes": "off",
        "timezone": "'UTC'",
        "log_timezone": "'UTC'",
        "logging_collector": "on",
        "log_destination": "'jsonlog'",
        "log_directory": f"'{location.log_dir}'",
        "log_filename": "'statements'",
        "log_rotation_age": "0",
        "log_rotation_size": "0",
        "log_file_mode": "0600",
        "log_statement": "'all'",
        "log_min_messages": "warning",
        "password_encryption": "'scram-sha-256'",
    }


# ---------------------------------------------------------------- the server


@dataclass(frozen=True, slots=True)
class Server:
    """A running cluster: where its socket is and how the owner logs in."""

    location: ServerLocation
    password: str
    version: str

    def connect(self, dbname: str = "postgres") -> Any:
        import psycopg

        try:
            return psycopg.connect(
                host=str(self.location.socket_dir),
                dbname=dbname,
                user=OWNER,
                password=self.password,
                autocommit=True,
                connect_timeout=10,
            )
        except psycopg.Error as exc:
            raise DatabaseError(
                f"{self.location.socket_dir}: cannot connect to PostgreSQL: {_first_line(exc)}"
            ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _server_user() -> pwd.struct_passwd | None:
    """The user the server runs as when the grader runs as root; None to run it as ourselves."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise DatabaseError("running as root needs a 'postgres' user to run the server as") from None


def _run_as_server_user(command: Sequence[str], user: pwd.struct_passwd | None, timeout: float) -> None:
    kwargs: dict[str, Any] = {}
    if user is not None:
        kwargs.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
    try:
        subprocess.run(
            list(command),
            check=True,
            capture_output=True,
            timeout=timeout,
            cwd="/",
            **kwargs,
        )
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise DatabaseError(f"{command[0]}: {detail[-1] if detail else f'exit {exc.returncode}'}") from None
    except subprocess.TimeoutExpired:
        raise DatabaseError(f"{command[0]}: no answer within {timeout:g} s") from None


@contextlib.contextmanager
def _locked(location: ServerLocation) -> Iterator[None]:
    """One process at a time sets the cluster up or starts it (gradings run in parallel)."""
    location.root.mkdir(parents=True, exist_ok=True)
    with open(location.lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_server(location: ServerLocation | None = None) -> Server:
    """The grader's server, created and started if need be; safe to call from many processes."""
    location = location or default_location()
    bin_dir = find_binaries()
    user = _server_user()
    try:
        return _ensure_server(location, bin_dir, user)
    except OSError as exc:
        raise DatabaseError(f"{location.root}: cannot set up the PostgreSQL server: {exc.strerror or exc}") from None


def _ensure_server(location: ServerLocation, bin_dir: Path, user: pwd.struct_passwd | None) -> Server:
    _check_owner(location.root, user)
    with _locked(location):
        if not (location.data / "PG_VERSION").is_file():
            _initialise(location, bin_dir, user)
        password = location.password_file.read_text(encoding="utf-8").strip()
        server = Server(location, password, (location.data / "PG_VERSION").read_text().strip())
        if not _accepts_connections(server):
            _start(location, bin_dir, user)
        _prepare_roles(server)
    return server


def _check_owner(root: Path, user: pwd.struct_passwd | None) -> None:
    """Refuse a cluster folder someone else made: in a shared folder (/dev/shm, /var/tmp) another
    local user could make it first and read the password or the statements from it."""
    try:
        found = root.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(found.st_mode):  # a symbolic link would put the cluster where it points
        raise DatabaseError(f"{root}: the cluster folder is not a directory: remove it")
    owner = found.st_uid
    allowed = {os.geteuid()} | ({user.pw_uid} if user is not None else set())
    if owner not in allowed:
        raise DatabaseError(f"{root}: the cluster folder belongs to uid {owner}, not to the grader: remove it")


def _initialise(location: ServerLocation, bin_dir: Path, user: pwd.struct_passwd | None) -> None:
    if location.data.exists():
        shutil.rmtree(location.data)  # a half-made cluster from an interrupted initdb
    for folder in (location.root, location.socket_dir, location.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
    location.password_file.write_text(secrets.token_urlsafe(24), encoding="utf-8")
    location.password_file.chmod(0o600)
    location.socket_dir.chmod(0o755)  # the sandbox's user must reach the socket
    if user is not None:
        for path in (location.root, location.socket_dir, location.log_dir, location.password_file):
            os.chown(path, user.pw_uid, user.pw_gid)
        # The harness (root) reads the password file; the server user only needs it for initdb.
    _run_as_server_user(
        [
            str(bin_dir / "initdb"),
            "--pgdata",
            str(location.data),
            "--username",
            OWNER,
            "--pwfile",
            str(location.password_file),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-instructions",
        ],
        user,
        timeout=120,
    )
    settings = "".join(f"{name} = {value}\n" for name, value in server_settings(location).items())
    with open(location.data / "postgresql.conf", "a", encoding="utf-8") as conf:
        conf.write("\n# grader\n" + settings)


def _start(location: ServerLocation, bin_dir: Path, user: pwd.struct_passwd | None) -> None:
    # The statement log only serves gradings in progress, and none is while the server is down:
    # a long one starts afresh here (`grader database stop` is the way to reclaim its space).
    with contextlib.suppress(OSError):
        if location.statement_log.stat().st_size > LOG_KEEP_BYTES:
            location.statement_log.unlink()
    # A server that died leaves its pid file; pg_ctl start copes with a stale one.
    _run_as_server_user(
        [
            str(bin_dir / "pg_ctl"),
            "--pgdata",
            str(location.data),
            "--log",
            str(location.root / "server.log"),
            "--wait",
            "--timeout",
            str(int(START_SECONDS)),
            "start",
        ],
        user,
        timeout=START_SECONDS + 10,
    )


def stop_server(location: ServerLocation | None = None) -> bool:
    """Stop the cluster if it runs; True when it was running."""
    location = location or default_location()
    if not (location.data / "postmaster.pid").is_file():
        return False
    _run_as_server_user(
        [str(find_binaries() / "pg_ctl"), "--pgdata", str(location.data), "--mode", "fast", "--wait", "stop"],
        _server_user(),
        timeout=START_SECONDS,
    )
    return True


def _accepts_connections(server: Server) -> bool:
    if not (server.location.socket_dir / ".s.PGSQL.5432").exists():
        return False
    try:
        server.connect().close()
    except DatabaseError:
        return False
    return True


def _prepare_roles(server: Server) -> None:
    """The submitters' group, and no database open to PUBLIC but the ones granted per test."""
    with server.connect() as connection:
        exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [SUBMITTER_GROUP]).fetchone()
        if not exists:
            connection.execute(f"CREATE ROLE {SUBMITTER_GROUP} NOLOGIN")
        # Only the tests' roles are logged: what the owner loads would otherwise fill the log.
        connection.execute(f"ALTER ROLE {OWNER} SET log_statement = 'none'")
        for name in ("postgres", "template1"):
            connection.execute(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")


# ---------------------------------------------------------------- templates


def template_name(driver_dir: Path) -> str:
    """Named after everything that shapes the schema (the driver folder and the worker's kit)."""
    digest = hashlib.sha256()
    kit = SCHEMA_BUILDER.parent / "djangokit.py"
    for path in sorted([*driver_dir.rglob("*.py"), kit]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return TEMPLATE_PREFIX + digest.hexdigest()[:20]


def ensure_template(server: Server, driver_dir: Path) -> str:
    """The challenge's template database: the tables Django's migrate makes, granted to the submitters."""
    name = template_name(driver_dir)
    with _locked(server.location), server.connect() as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if row is not None and row[0] == "ready":
            return name
        if row is not None:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
        connection.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
        _build_schema(server, name, driver_dir)
        with server.connect(name) as template:
            template.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
            template.execute(f"GRANT USAGE ON SCHEMA public TO {SUBMITTER_GROUP}")
            template.execute(
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {SUBMITTER_GROUP}"
            )
            template.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {SUBMITTER_GROUP}")
        connection.execute(f"COMMENT ON DATABASE \"{name}\" IS 'ready'")
    return name


def _build_schema(server: Server, name: str, driver_dir: Path) -> None:
    """Django's migrate for the challenge's apps, as the owner, in a process of its own.

    The driver is imported with no submission at all: `djangokit.setup` builds the schema and
    ends the import there.
    """
    settings = {
        "host": str(server.location.socket_dir),
        "name": name,
        "user": OWNER,
        "password": server.password,
        "build_schema": True,
    }
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "GRADER_DATABASE": json.dumps(settings),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-S", str(SCHEMA_BUILDER), str(driver_dir), *sys.path],
            env=env,
            capture_output=True,
            timeout=300,
            cwd=str(driver_dir),
        )
    except subprocess.TimeoutExpired:
        raise DatabaseError(f"{driver_dir}: building the database schema took over 300 s") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DatabaseError(
            f"{driver_dir}: cannot build the database schema: {lines[-1] if lines else done.returncode}"
        )


# ---------------------------------------------------------------- the statement log


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement a test's role sent, as the server logged it."""

    text: str
    session: str

    @property
    def is_transaction_control(self) -> bool:
        return is_transaction_control(self.text)


_EXECUTE = re.compile(r"^execute [^:]*: ", re.DOTALL)


def statement_text(message: str) -> str | None:
    """The SQL of a `statement: ...` or `execute <name>: ...` log message; None for other messages."""
    if message.startswith("statement: "):
        return message[len("statement: ") :]
    match = _EXECUTE.match(message)
    if match:
        return message[match.end() :]
    return None


class StatementLog:
    """Reads the server's JSON statement log. Marks written through the owner's connection bound a
    window: the collector writes lines in the order backends sent them, so once a mark is in the
    file, everything logged before it is too."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self, connection: Any) -> int:
        """Write a mark and wait for it; the offset just past its line."""
        token = "grader-mark-" + secrets.token_hex(12)
        start = self.size()
        # A message, not a statement: the owner's statements are not logged (ALTER ROLE ... SET
        # log_statement = 'none'), which keeps loads of rows out of the log.
        connection.execute(f"DO $$BEGIN RAISE LOG '{token}'; END$$")
        deadline = time.monotonic() + LOG_WAIT_SECONDS
        needle = token.encode("ascii")
        while True:
            with open(self.path, "rb") as handle:
                handle.seek(max(0, start - 1))
                data = handle.read()
            at = data.find(needle)
            if at >= 0:
                end = data.find(b"\n", at)
                if end >= 0:
                    return max(0, start - 1) + end + 1
            if time.monotonic() > deadline:
                raise DatabaseError(f"{self.path}: the server did not log a mark within {LOG_WAIT_SECONDS:g} s")
            time.sleep(0.001)

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def statements(self, user: str, start: int, end: int) -> list[Statement]:
        """What `user` sent between two offsets, in order."""
        if end <= start:
            return []
        with open(self.path, "rb") as handle:
            handle.seek(start)
            data = handle.read(end - start)
        needle = json.dumps(user).encode("utf-8")
        found: list[Statement] = []
        for line in data.splitlines():
            if needle not in line:
                continue  # cheap filter before parsing: most lines are other tests' or the owner's
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if type(entry) is not dict or entry.get("user") != user or entry.get("error_severity") != "LOG":
                continue
            text = statement_text(str(entry.get("message", "")))
            if text is not None:
                found.append(Statement(text, str(entry.get("session_id", ""))))
        return found


# ---------------------------------------------------------------- one test's database


@dataclass(frozen=True, slots=True)
class Login:
    """What the worker gets: one database, one role. Crosses to the worker as a plain dict."""

    name: str
    user: str
    password: str

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "user": self.user, "password": self.password}


@dataclass(slots=True)
class Observed:
    """The statements a test's role sent inside an `observe()` block (filled when it ends)."""

    statements: list[Statement] = field(default_factory=list)

    @property
    def sql(self) -> list[str]:
        """Every statement but transaction control, in order."""
        return [s.text for s in self.statements if not s.is_transaction_control]

    @property
    def queries(self) -> int:
        return len(self.sql)


@dataclass(frozen=True, slots=True)
class _Schema:
    """What `load` needs to know of a template's tables, read once per template."""

    referenced_by: Mapping[str, frozenset[str]]
    with_id: frozenset[str]  # tables with an `id` column fed by a sequence

    @classmethod
    def read(cls, connection: Any) -> _Schema:
        referenced: dict[str, set[str]] = {}
        for child, parent in connection.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
        ).fetchall():
            referenced.setdefault(str(parent).strip('"'), set()).add(str(child).strip('"'))
        with_id = {
            str(row[0])
            for row in connection.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped "
                "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%')"
            ).fetchall()
        }
        return cls({k: frozenset(v) for k, v in referenced.items()}, frozenset(with_id))

    def closure(self, tables: Iterable[str]) -> set[str]:
        """The tables and every table that references them, however indirectly."""
        found: set[str] = set()
        pending = list(tables)
        while pending:
            table = pending.pop()
            if table not in found:
                found.add(table)
                pending.extend(self.referenced_by.get(table, ()))
        return found


_SCHEMAS: dict[str, _Schema] = {}


class TestDatabase:
    """One test's database and role; the hidden tests' `database` fixture.

    `load` replaces table contents as the owner; `observe` gives the statements the test's role
    sent within a block; `query` reads as the owner; `execute` runs owner-side SQL (a fault
    trigger, a competing transaction); `waiting_on_lock` tells whether the role's session waits.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, server: Server, template: str) -> None:
        self.server = server
        self.template = template
        # Named after the harness's pid, so that what a killed harness left can be told apart
        # from what a running one uses (see drop_orphans).
        label = f"{TEST_PREFIX}{os.getpid()}_{secrets.token_hex(8)}"
        self.login = Login(name=label, user=label, password=secrets.token_urlsafe(24))
        self.log = StatementLog(server.location.statement_log)
        with server.connect() as admin:
            admin.execute("SET log_statement = 'none'")  # keep the password out of the log
            admin.execute(
                f'CREATE ROLE "{self.login.user}" LOGIN PASSWORD {_literal(admin, self.login.password)} '
                f"IN ROLE {SUBMITTER_GROUP} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                "CONNECTION LIMIT 16"
            )
            admin.execute(f'CREATE DATABASE "{self.login.name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
            admin.execute(f'REVOKE ALL ON DATABASE "{self.login.name}" FROM PUBLIC')
            admin.execute(f'GRANT CONNECT ON DATABASE "{self.login.name}" TO "{self.login.user}"')
        self._owner = server.connect(self.login.name)
        # A transaction the submission left open holding locks fails the next load after 10 s
        # (an error for that test) instead of hanging the grading.
        self._owner.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
        self._since = self.log.mark(self._owner)
        self._closed = False

    # -- data, as the owner

    def load(self, tables: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
        """Empty the named tables (and every table that references them) and insert these rows;
        ids given in the rows are kept, and each table's id sequence continues after the largest.

        DELETE, not TRUNCATE: on tables this small it is several times faster (TRUNCATE makes new
        files), and with the session's triggers off (`session_replication_role = replica`, for this
        transaction only) neither foreign keys nor a test's fault triggers get in the way."""
        if not tables:
            return
        schema = self._schema()
        for name in tables:
            _identifier(name)
        emptied = schema.closure(tables)
        with self._owner.transaction():
            self._owner.execute("SET LOCAL session_replication_role = replica")
            for table in sorted(emptied):
                self._owner.execute(f"DELETE FROM {_identifier(table)}")
            for table, rows in tables.items():
                rows = list(rows)
                if not rows:
                    continue
                columns = sorted({column for row in rows for column in row})
                placeholders = ", ".join(["%s"] * len(columns))
                sql = (
                    f"INSERT INTO {_identifier(table)} ({', '.join(map(_identifier, columns))}) VALUES ({placeholders})"
                )
                with self._owner.cursor() as cursor:
                    cursor.executemany(sql, [[row.get(column) for column in columns] for row in rows])
            for table in sorted(emptied & schema.with_id):
                # Ids given in the fixture: the next row the submission inserts must not collide.
                self._owner.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"coalesce((SELECT max(id) FROM {_identifier(table)}), 0) + 1, false)",
                    [table],
                )

    def _schema(self) -> _Schema:
        found = _SCHEMAS.get(self.template)
        if found is None:
            found = _SCHEMAS[self.template] = _Schema.read(self._owner)
        return found

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read as the owner (the data as it is, whatever the worker reports)."""
        return [tuple(row) for row in self._owner.execute(sql, list(params)).fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Owner-side SQL the test's role cannot undo: a trigger that fails a write, a lock held."""
        self._owner.execute(sql, list(params))

    def connect(self) -> Any:
        """Another owner connection, for a transaction that competes with the worker's."""
        return self.server.connect(self.login.name)

    # -- observation

    @contextlib.contextmanager
    def observe(self) -> Iterator[Observed]:
        """The statements this test's role sends while the block runs.

        Load the rows inside the block: the owner's statements are not counted, and whatever the
        submission does once the rows exist (a thread it started at import, say) is."""
        observed = Observed()
        start = self.log.mark(self._owner)
        try:
            yield observed
        finally:
            end = self.log.mark(self._owner)
            observed.statements = self.log.statements(self.login.user, start, end)

    def statements(self) -> list[Statement]:
        """Everything the test's role has sent so far."""
        end = self.log.mark(self._owner)
        return self.log.statements(self.login.user, self._since, end)

    def waiting_on_lock(self) -> bool:
        """Whether any session of the test's role (the submission's, or another connection its code
        opened) waits on a lock now."""
        row = self._owner.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'",
            [self.login.user],
        ).fetchone()
        return bool(row and row[0])

    def wait_until_blocked(self, timeout: float = 10.0) -> bool:
        """Poll until the role's session waits on a lock; False if it never did within `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.waiting_on_lock():
                return True
            time.sleep(0.005)
        return False

    # -- end

    def drop(self) -> None:
        """Drop the database (ending the role's sessions) and the role."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._owner.close()
        with self.server.connect() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.login.name}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{self.login.user}"')


def _identifier(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise DatabaseError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def _literal(connection: Any, value: str) -> str:
    from psycopg import sql

    return str(sql.Literal(value).as_string(connection))


class TestDatabases:
    """The current test's database: made on first use (the hidden test's fixture, or the worker's
    fork, whichever comes first) and dropped when the test ends.

    Making one (a role, a copy of the template, the owner's connection) takes about 80 ms; the
    next test's is made in the background while the current test runs, so a test rarely waits.
    """

    __test__ = False

    def __init__(self, server: Server, template: str) -> None:
        self.server = server
        self.template = template
        self._current: TestDatabase | None = None
        self._spare: concurrent.futures.Future[TestDatabase] | None = None
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-database")

    def current(self) -> TestDatabase:
        if self._current is None:
            spare, self._spare = self._spare, None
            self._current = spare.result() if spare is not None else TestDatabase(self.server, self.template)
            self._spare = self._pool.submit(TestDatabase, self.server, self.template)
        return self._current

    def login(self) -> dict[str, str]:
        return self.current().login.to_dict()

    def release(self) -> None:
        current, self._current = self._current, None
        if current is not None:
            current.drop()

    def close(self) -> None:
        """Drop the current and the spare database; nothing is left on the server."""
        self.release()
        spare, self._spare = self._spare, None
        if spare is not None:
            with contextlib.suppress(Exception):
                spare.result().drop()
        self._pool.shutdown(wait=True)


_LABEL = re.compile(rf"^{TEST_PREFIX}(\d+)_[0-9a-f]+$")


def drop_orphans(server: Server) -> int:
    """Drop the test databases and roles of harnesses that are gone (killed at a time limit, or
    with the machine); those of running harnesses stay. How many were dropped."""
    dropped = 0
    with server.connect() as admin:
        databases = [row[0] for row in admin.execute("SELECT datname FROM pg_database").fetchall()]
        roles = [row[0] for row in admin.execute("SELECT rolname FROM pg_roles").fetchall()]
        for kind, names in (("DATABASE", databases), ("ROLE", roles)):  # databases first: they hold roles
            for name in names:
                match = _LABEL.match(name)
                if match is None or _alive(int(match.group(1))):
                    continue
                with contextlib.suppress(Exception):
                    admin.execute(f'DROP {kind} IF EXISTS "{name}"' + (" WITH (FORCE)" if kind == "DATABASE" else ""))
                    dropped += 1
    return dropped


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_test_databases(root: Path, driver_dir: Path) -> TestDatabases:
    """The server (started if need be) and the challenge's template, ready for per-test databases."""
    server = ensure_server(ServerLocation(root))
    drop_orphans(server)
    return TestDatabases(server, ensure_template(server, driver_dir))


# ---------------------------------------------------------------- checks (`grader doctor`)

DOCTOR_TEMPLATE = TEMPLATE_PREFIX + "doctor"


def _doctor_template(server: Server) -> str:
    with _locked(server.location), server.connect() as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DOCTOR_TEMPLATE]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{DOCTOR_TEMPLATE}"')
            connection.execute(f'REVOKE ALL ON DATABASE "{DOCTOR_TEMPLATE}" FROM PUBLIC')
            with server.connect(DOCTOR_TEMPLATE) as template:
                template.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
                template.execute(f"GRANT USAGE ON SCHEMA public TO {SUBMITTER_GROUP}")
                template.execute("CREATE TABLE probe (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v text)")
                template.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON probe TO {SUBMITTER_GROUP}")
                template.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {SUBMITTER_GROUP}")
    return DOCTOR_TEMPLATE


# What a test's role must be refused, each tried for real: (what, SQL, database to connect to).
_REFUSED = (
    ("create a table", "CREATE TABLE mine (x int)", None),
    ("create a temporary table", "CREATE TEMP TABLE mine (x int)", None),
    ("turn statement logging off", "SET log_statement = 'none'", None),
    ("change a server setting", "ALTER SYSTEM SET log_statement = 'none'", None),
    ("drop the owner's table", "DROP TABLE probe", None),
    ("disable triggers", "SET session_replication_role = replica", None),
    ("read the server's files", "SELECT pg_read_file('postgresql.conf')", None),
    ("connect to the server's own database", "SELECT 1", "postgres"),
    ("connect to a challenge's template", "SELECT 1", DOCTOR_TEMPLATE),
)


def role_isolation_problems(server: Server) -> list[str]:
    """Every privilege a test's role has but must not; [] when it is confined as designed."""
    import psycopg

    problems: list[str] = []
    test = TestDatabase(server, _doctor_template(server))
    try:

        def as_role(dbname: str) -> Any:
            return psycopg.connect(
                host=str(server.location.socket_dir),
                dbname=dbname,
                user=test.login.user,
                password=test.login.password,
                autocommit=True,
                connect_timeout=10,
            )

        with test.observe() as seen, as_role(test.login.name) as connection:
            connection.execute("INSERT INTO probe (v) VALUES ('x')")
            row = connection.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            if row is None or row[0]:
                problems.append("the test's role is a superuser")
            for what, sql, dbname in _REFUSED:
                try:
                    if dbname is None:
                        connection.execute(sql)
                    else:
                        as_role(dbname).close()
                    problems.append(f"the test's role may {what}")
                except psycopg.Error:
                    pass
        if "INSERT INTO probe (v) VALUES ('x')" not in seen.sql:
            problems.append("the server's statement log did not show the role's statement")
        other = TestDatabase(server, DOCTOR_TEMPLATE)
        try:
            as_role(other.login.name).close()
            problems.append("the test's role may connect to another test's database")
        except psycopg.Error:
            pass
        finally:
            other.drop()
    finally:
        test.drop()
    return problems


@contextlib.contextmanager
def probe_login(location: ServerLocation | None = None) -> Iterator[tuple[Path, dict[str, str]]]:
    """A throwaway test database and role, for checking that a worker reaches the server."""
    server = ensure_server(location)
    test = TestDatabase(server, _doctor_template(server))
    try:
        yield server.location.socket_dir, test.login.to_dict()
    finally:
        test.drop()


def doctor_checks(location: ServerLocation | None = None) -> list[Check]:
    """The server runs (started if need be), and a test's role is confined."""
    try:
        server = ensure_server(location)
    except DatabaseError as exc:
        return [Check("postgresql server", False, str(exc))]
    checks = [Check("postgresql server", True, f"PostgreSQL {server.version}, socket {server.location.socket_dir}")]
    try:
        problems = role_isolation_problems(server)
    except DatabaseError as exc:
        problems = [str(exc)]
    checks.append(
        Check(
            "database role isolation",
            not problems,
            "; ".join(problems) or f"a test's role was refused all {len(_REFUSED) + 1} tries and was logged",
        )
    )
    return checks
