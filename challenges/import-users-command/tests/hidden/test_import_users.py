"""Hidden suite for import-users-command, on the grader's PostgreSQL server.

The members present before the import are loaded here, as the database's owner; the driver only
writes the CSV text given here to a temporary file, runs `call_command("import_users", ...)` on the
submission's command with StringIO streams, and reports what the command itself produced (the
escaped exception, stdout, stderr). The members stored afterwards are read here, as the owner; a
transaction left open is seen in the server's `pg_stat_activity`; the database failure is a
trigger the owner installs, which the test's role cannot drop or bypass, and which counts its
firings in a sequence (nextval survives the rollback). The expected members, counts and line
numbers are computed here; hypothesis files are built from pools of values whose validity is
known, and an oracle in this file replays the rules of the prompt.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

SUMMARY = re.compile(r"created=(\d+) skipped=(\d+) invalid=(\d+)")
LINE_REF = re.compile(r"line\s+(\d+)", re.IGNORECASE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

TABLE = "members_member"
EMAIL_MAX = 254  # Member.email: EmailField's default max_length
NAME_MAX = 200  # Member.name: max_length=200

ANN = {"email": "ann@example.com", "name": "Ann"}

PROMPT_CSV = (
    "email,name,team\n"
    " Ann@Example.com ,Ann Again,red\n"
    "bob@example.com,Bob,blue\n"
    "\n"
    "not-an-email,Nobody,red\n"
    "BOB@example.com,Bobby,blue\n"
    "carol@example.com,   ,red\n"
    '"dan@example.com","Lee, Dan",green\n'
)


def email_of_length(length: int, local: str = "a") -> str:
    """An address validate_email accepts up to 320 characters: a long local part at example.com."""
    domain = "@example.com"
    return local * (length - len(domain)) + domain


# ---------------------------------------------------------------- helpers


def summary_of(stdout: str) -> tuple[int, int, int]:
    found = SUMMARY.findall(ANSI.sub("", stdout))
    assert len(found) == 1, f"stdout must hold the summary line exactly once, got: {stdout!r}"
    return tuple(int(n) for n in found[0])


def reported_lines(stderr: str) -> list[int]:
    return [int(n) for n in LINE_REF.findall(ANSI.sub("", stderr))]


def members(*rows: dict | tuple) -> list[list[str]]:
    pairs = [[r["email"], r["name"]] if isinstance(r, dict) else list(r) for r in rows]
    return sorted(pairs)


def stored_members(database) -> list[list[str]]:
    """The table as it is, read as the owner."""
    return sorted([email, name] for email, name in database.query(f"SELECT email, name FROM {TABLE}"))


def end_open_transactions(database) -> int:
    """How many of the role's sessions sit idle inside a transaction; they are ended (a lock they
    hold would block the next load)."""
    rows = database.query(
        "SELECT pid FROM pg_stat_activity WHERE usename = %s "
        "AND state IN ('idle in transaction', 'idle in transaction (aborted)')",
        [database.login.user],
    )
    for (pid,) in rows:
        database.execute("SELECT pg_terminate_backend(%s)", [pid])
    return len(rows)


def run(database, driver, csv_text, existing=(), fail_on_email=None, **kwargs):
    """Load `existing`, run the command on `csv_text`, and read the table afterwards.
    `fail_on_email`: writing a member with that email fails in the database (see `poison`)."""
    database.execute("SET lock_timeout = '10s'")  # a lock left behind fails the test instead of hanging it
    database.execute(f"DROP TRIGGER IF EXISTS grader_poison ON {TABLE}")  # an earlier example's
    database.load({TABLE: [{"email": m["email"], "name": m["name"]} for m in existing]})
    if fail_on_email is not None:
        poison(database, fail_on_email)
    obs = driver.run_import(csv_text=csv_text, **kwargs)
    left_open = end_open_transactions(database)
    assert not left_open, "the command left a transaction open"
    return {**obs, "members": stored_members(database)}


POISON_FUNCTION = """
CREATE OR REPLACE FUNCTION grader_poison() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
    IF NEW.email = TG_ARGV[0] THEN
        PERFORM nextval('grader_poison_hits');
        RAISE EXCEPTION 'disk I/O error (injected by the grader)' USING ERRCODE = 'io_error';
    END IF;
    RETURN NEW;
END
$$
"""


def poison(database, email: str) -> None:
    """From now on, inserting or updating a member with this email fails (SQLSTATE 58030, which
    Django raises as OperationalError); the statement fails whole, like a broken disk would."""
    assert "'" not in email
    database.execute("DROP SEQUENCE IF EXISTS grader_poison_hits")
    database.execute("CREATE SEQUENCE grader_poison_hits")
    database.execute(POISON_FUNCTION)
    database.execute(
        f"CREATE TRIGGER grader_poison BEFORE INSERT OR UPDATE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION grader_poison('{email}')"
    )


def poison_hits(database) -> int:
    ((last, called),) = database.query("SELECT last_value, is_called FROM grader_poison_hits")
    return int(last) if called else 0


def check(obs, *, stored, counts, invalid_lines=(), quiet_lines=()):
    """The command succeeded with `counts` (created, skipped, invalid), left exactly `stored` in the
    table, reported every line of `invalid_lines` on stderr and none of `quiet_lines`."""
    assert obs["raised"] is None, f"the command raised {obs['raised']}: {obs['message']}"
    assert summary_of(obs["stdout"]) == tuple(counts), f"stdout: {obs['stdout']!r}"
    assert obs["members"] == stored
    reported = reported_lines(obs["stderr"])
    missing = [n for n in invalid_lines if n not in reported]
    assert not missing, f"invalid rows on lines {missing} not reported as 'line N' on stderr: {obs['stderr']!r}"
    wrong = sorted(set(reported) & set(quiet_lines))
    assert not wrong, f"stderr mentions lines {wrong}, which hold no invalid row: {obs['stderr']!r}"


def csv_text(header, rows, newline="\n"):
    """CSV text for `header` (list) and `rows` (lists of cells; None = an empty line)."""
    lines = []
    for cells in [header, *rows]:
        if cells is None:
            lines.append("")
            continue
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        lines.append(buffer.getvalue())
    return newline.join(lines) + newline


# ---------------------------------------------------------------- the command itself


@pytest.mark.weight(2)
def test_command_is_a_base_command_registered_as_import_users(database, driver):
    info = driver.command_info()
    assert info["is_base_command"], f"solution.Command must subclass BaseCommand, MRO: {info['mro']}"
    obs = run(database, driver, "email,name\nann@example.com,Ann\n")
    check(obs, stored=members(ANN), counts=(1, 0, 0), quiet_lines=[1, 2])


# ---------------------------------------------------------------- the prompt's example


@pytest.mark.weight(3)
def test_prompt_example(database, driver):
    obs = run(database, driver, PROMPT_CSV, existing=[ANN])
    check(
        obs,
        stored=members(ANN, ("bob@example.com", "Bob"), ("dan@example.com", "Lee, Dan")),
        counts=(2, 2, 2),
        invalid_lines=[5, 7],
        quiet_lines=[1, 3, 4, 8],
    )


@pytest.mark.weight(2)
def test_prompt_example_dry_run_writes_nothing(database, driver):
    obs = run(database, driver, PROMPT_CSV, existing=[ANN], dry_run=True)
    check(obs, stored=members(ANN), counts=(2, 2, 2), invalid_lines=[5, 7], quiet_lines=[1, 3, 4, 8])


@pytest.mark.weight(2)
def test_dry_run_flag_on_the_command_line(database, driver):
    obs = run(database, driver, PROMPT_CSV, existing=[ANN], dry_run=True, argv_style=True)
    check(obs, stored=members(ANN), counts=(2, 2, 2), invalid_lines=[5, 7], quiet_lines=[1, 3, 4, 8])


# ---------------------------------------------------------------- normalising and counting


@pytest.mark.weight(2)
def test_clean_file_creates_every_row(database, driver):
    text = "email,name\nann@example.com,Ann\nbob@example.org,Bob\ncy@mail.example.net,Cy\n"
    obs = run(database, driver, text)
    stored = members(ANN, ("bob@example.org", "Bob"), ("cy@mail.example.net", "Cy"))
    check(obs, stored=stored, counts=(3, 0, 0), quiet_lines=[1, 2, 3, 4])


@pytest.mark.weight(2)
def test_email_is_stripped_and_lower_cased(database, driver):
    text = "email,name\n  ANN@EXAMPLE.COM\t,Ann\nBob.Smith@Example.Org ,Bob\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN, ("bob.smith@example.org", "Bob")), counts=(2, 0, 0), quiet_lines=[2, 3])


def test_name_is_stripped_but_inner_spaces_and_unicode_kept(database, driver):
    text = "email,name\nann@example.com,   Mary  Ann   \nzoe@example.com,Zoë Ünal\n"
    obs = run(database, driver, text)
    stored = members(("ann@example.com", "Mary  Ann"), ("zoe@example.com", "Zoë Ünal"))
    check(obs, stored=stored, counts=(2, 0, 0), quiet_lines=[2, 3])


@pytest.mark.weight(2)
def test_existing_member_is_skipped_and_left_unchanged(database, driver):
    existing = [ANN, {"email": "bob@example.com", "name": "Bob"}]
    text = "email,name\nAnn@Example.com,Ann Other\ncy@example.com,Cy\nbob@example.com,Robert\n"
    obs = run(database, driver, text, existing=existing)
    check(obs, stored=members(*existing, ("cy@example.com", "Cy")), counts=(1, 2, 0), quiet_lines=[1, 3])


@pytest.mark.weight(2)
def test_repeated_email_in_the_file_is_skipped_after_the_first(database, driver):
    text = "email,name\ncy@example.com,Cy\nCY@example.com,Cy Two\n cy@EXAMPLE.com,Cy Three\ndee@example.com,Dee\n"
    obs = run(database, driver, text)
    stored = members(("cy@example.com", "Cy"), ("dee@example.com", "Dee"))
    check(obs, stored=stored, counts=(2, 2, 0), quiet_lines=[2, 5])


@pytest.mark.weight(3)
def test_invalid_emails_are_counted_and_reported(database, driver):
    bad = ["plainaddress", "ann@", "@example.com", "ann@@example.com", "ann smith@example.com", "ann.example.com"]
    rows = [["ok@example.com", "Ok"]] + [[email, "Someone"] for email in bad] + [["fine@example.com", "Fine"]]
    obs = run(database, driver, csv_text(["email", "name"], rows))
    stored = members(("fine@example.com", "Fine"), ("ok@example.com", "Ok"))
    check(obs, stored=stored, counts=(2, 0, len(bad)), invalid_lines=list(range(3, 3 + len(bad))), quiet_lines=[2, 9])


@pytest.mark.weight(2)
def test_missing_email_or_empty_name_is_invalid(database, driver):
    text = "email,name\n,Nobody\n   ,Nobody\nann@example.com,\nbob@example.com,   \ncy@example.com,Cy\n"
    obs = run(database, driver, text)
    check(obs, stored=members(("cy@example.com", "Cy")), counts=(1, 0, 4), invalid_lines=[2, 3, 4, 5], quiet_lines=[6])


def test_short_row_with_missing_cells_is_invalid(database, driver):
    text = "email,name\nann@example.com\nbob@example.com,Bob\n\n,\n"
    obs = run(database, driver, text)
    check(obs, stored=members(("bob@example.com", "Bob")), counts=(1, 0, 2), invalid_lines=[2, 5], quiet_lines=[3, 4])


def test_short_row_missing_email_when_name_comes_first(database, driver):
    text = "name,email\nAnn\nBob,bob@example.com\n"
    obs = run(database, driver, text)
    check(obs, stored=members(("bob@example.com", "Bob")), counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


def test_invalid_row_counts_as_invalid_even_when_the_email_is_known(database, driver):
    text = "email,name\nann@example.com,\nbob@example.com,Bob\nBOB@example.com,  \n"
    obs = run(database, driver, text, existing=[ANN])
    check(obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(1, 0, 2), invalid_lines=[2, 4], quiet_lines=[3])


def test_an_earlier_invalid_row_does_not_make_a_later_one_skipped(database, driver):
    text = "email,name\ncy@example.com,\nCy@example.com,Cy\n"
    obs = run(database, driver, text)
    check(obs, stored=members(("cy@example.com", "Cy")), counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


# ---------------------------------------------------------------- the file format


@pytest.mark.weight(3)
def test_line_numbers_count_the_header_and_empty_lines(database, driver):
    text = "email,name\n\n\nbad,Bad\nann@example.com,Ann\n\nworse,Worse\n\n\n\nbob@example.com,\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 3), invalid_lines=[4, 7, 11], quiet_lines=[1, 2, 3, 5, 6, 8, 9, 10])


@pytest.mark.weight(2)
def test_byte_order_mark_is_ignored(database, driver):
    text = "\ufeffemail,name\nann@example.com,Ann\nbad,Bad\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 1), invalid_lines=[3], quiet_lines=[1, 2])


def test_byte_order_mark_with_name_column_first(database, driver):
    text = "\ufeffname,email\nAnn,ann@example.com\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 0), quiet_lines=[1, 2])


@pytest.mark.weight(2)
def test_extra_columns_and_column_order_do_not_matter(database, driver):
    text = "id,name,note,email,age\n1,Ann,hello,ann@example.com,33\n2,Bob,,bob@example.com,\n3,,x,cy@example.com,4\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(2, 0, 1), invalid_lines=[4], quiet_lines=[2, 3])


def test_windows_line_endings(database, driver):
    text = "email,name\r\nann@example.com,Ann\r\n\r\nbad,Bad\r\nbob@example.com,Bob\r\n"
    obs = run(database, driver, text)
    check(
        obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(2, 0, 1), invalid_lines=[4], quiet_lines=[2, 3, 5]
    )


def test_quoted_fields(database, driver):
    text = 'email,name\n"ann@example.com","Lee, Ann"\n"bob@example.com","Bob ""the builder"""\n'
    obs = run(database, driver, text)
    stored = members(("ann@example.com", "Lee, Ann"), ("bob@example.com", 'Bob "the builder"'))
    check(obs, stored=stored, counts=(2, 0, 0), quiet_lines=[2, 3])


def test_header_only_file_imports_nothing(database, driver):
    obs = run(database, driver, "email,name\n", existing=[ANN])
    check(obs, stored=members(ANN), counts=(0, 0, 0))


# ---------------------------------------------------------------- errors


@pytest.mark.weight(3)
def test_missing_file_raises_command_error(database, driver):
    obs = run(database, driver, None, existing=[ANN])
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(ANN)


@pytest.mark.weight(2)
@pytest.mark.parametrize("header", ["name,team", "email,team", "mail,full_name", "team"])
def test_header_without_email_or_name_raises_command_error(database, driver, header):
    text = f"{header}\nann@example.com,Ann\nbob@example.com,Bob\n"
    obs = run(database, driver, text, existing=[{"email": "cy@example.com", "name": "Cy"}])
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(("cy@example.com", "Cy"))


def test_header_error_also_in_dry_run(database, driver):
    obs = run(database, driver, "name\nAnn\n", dry_run=True, argv_style=True)
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"


def test_empty_file_raises_command_error(database, driver):
    obs = run(database, driver, "")
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == []


def test_file_of_empty_lines_only_raises_command_error(database, driver):
    obs = run(database, driver, "\n\r\n\n", existing=[ANN])
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(ANN)


# ---------------------------------------------------------------- the header


@pytest.mark.weight(2)
def test_empty_lines_before_the_header_are_skipped_and_still_numbered(database, driver):
    text = "\n\nemail,name\nann@example.com,Ann\n\nbad,Bad\nbob@example.com,\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 2), invalid_lines=[6, 7], quiet_lines=[1, 2, 3, 4, 5])


def test_empty_lines_before_the_header_after_a_byte_order_mark(database, driver):
    text = "\ufeff\r\n\r\nname,email\r\nAnn,ann@example.com\r\n,bob@example.com\r\n"
    obs = run(database, driver, text, dry_run=True)
    check(obs, stored=[], counts=(1, 0, 1), invalid_lines=[5], quiet_lines=[1, 2, 3, 4])


@pytest.mark.weight(2)
def test_header_cells_with_surrounding_spaces_are_accepted(database, driver):
    text = " email ,\tname  , team \nann@example.com,Ann,red\nbad,Bad,blue\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 1), invalid_lines=[3], quiet_lines=[1, 2])


def test_quoted_header_cells_with_spaces_in_another_order(database, driver):
    text = '" name ","note"," email "\n"Lee, Ann",x,ann@example.com\n'
    obs = run(database, driver, text)
    check(obs, stored=members(("ann@example.com", "Lee, Ann")), counts=(1, 0, 0), quiet_lines=[1, 2])


@pytest.mark.weight(2)
@pytest.mark.parametrize(
    "header", ["email,name,email", "name,email,name", "email, email ,name", "name,note,email,note,\tname"]
)
def test_header_repeating_email_or_name_raises_command_error(database, driver, header):
    width = len(header.split(","))
    row = ",".join(["dee@example.com" if i % 2 == 0 else "Dee" for i in range(width)])
    text = f"{header}\n{row}\n"
    existing = [{"email": "cy@example.com", "name": "Cy"}]
    for dry_run in (False, True):
        obs = run(database, driver, text, existing=existing, dry_run=dry_run)
        assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
        assert obs["members"] == members(*existing)


def test_other_columns_may_repeat(database, driver):
    text = "note,email,note,name,note\nx,ann@example.com,y,Ann,z\n"
    obs = run(database, driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 0), quiet_lines=[1, 2])


# ---------------------------------------------------------------- the model's column lengths


@pytest.mark.weight(3)
def test_email_longer_than_the_column_is_invalid_not_a_crash(database, driver):
    fits = email_of_length(EMAIL_MAX)
    rows = [
        [fits.upper(), "Fits"],  # line 2: 254 characters, created lower-cased
        [email_of_length(EMAIL_MAX + 1, "b"), "One Over"],  # line 3
        ["  " + email_of_length(300, "c").upper() + " ", "Long"],  # line 4
        [email_of_length(320, "d"), "Longest Valid"],  # line 5: validate_email still accepts it
        [email_of_length(321, "e"), "Too Long Anyway"],  # line 6: validate_email refuses it
        ["bob@example.com", "Bob"],  # line 7
    ]
    text = csv_text(["email", "name"], rows)
    obs = run(database, driver, text, existing=[ANN])
    stored = members(ANN, (fits, "Fits"), ("bob@example.com", "Bob"))
    check(obs, stored=stored, counts=(2, 0, 4), invalid_lines=[3, 4, 5, 6], quiet_lines=[1, 2, 7])


def test_too_long_email_in_a_dry_run_is_invalid_too(database, driver):
    text = csv_text(["email", "name"], [[email_of_length(EMAIL_MAX + 1), "Over"], ["ann@example.com", "Ann"]])
    obs = run(database, driver, text, dry_run=True)
    check(obs, stored=[], counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


@pytest.mark.weight(3)
def test_name_longer_than_the_column_is_invalid_not_a_crash(database, driver):
    rows = [
        ["ann@example.com", "A" * NAME_MAX],  # line 2: fits
        ["bob@example.com", "B" * (NAME_MAX + 1)],  # line 3: one over
        ["cy@example.com", "   " + "C" * NAME_MAX + "\t"],  # line 4: fits once stripped
        ["dee@example.com", "D" + " " * NAME_MAX + "d"],  # line 5: inner spaces count
        ["eve@example.com", "Eve"],  # line 6
    ]
    obs = run(database, driver, csv_text(["email", "name"], rows))
    stored = members(
        ("ann@example.com", "A" * NAME_MAX), ("cy@example.com", "C" * NAME_MAX), ("eve@example.com", "Eve")
    )
    check(obs, stored=stored, counts=(3, 0, 2), invalid_lines=[3, 5], quiet_lines=[1, 2, 4, 6])


def test_a_too_long_row_does_not_make_a_later_one_skipped(database, driver):
    long_name = "N" * (NAME_MAX + 1)
    text = csv_text(["email", "name"], [["cy@example.com", long_name], ["CY@example.com", "Cy"]])
    obs = run(database, driver, text)
    check(obs, stored=members(("cy@example.com", "Cy")), counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


# ---------------------------------------------------------------- atomicity


def _valid_rows(n, prefix="user"):
    return [[f"{prefix}{i}@example.com", f"User {i}"] for i in range(n)]


@pytest.mark.weight(3)
@pytest.mark.parametrize("poisoned", [0, 3, 5])
def test_database_error_leaves_no_partial_import(database, driver, poisoned):
    text = csv_text(["email", "name"], _valid_rows(6))
    obs = run(database, driver, text, existing=[ANN], fail_on_email=f"user{poisoned}@example.com")
    assert poison_hits(database) >= 1, "the poisoned email was never written: it should have been created"
    assert obs["members"] == members(ANN), "a database error must leave no member of this file behind"


@pytest.mark.weight(2)
def test_database_error_late_in_a_large_file_leaves_nothing(database, driver):
    existing = [{"email": f"user{i}@example.com", "name": "Old"} for i in range(0, 400, 7)]
    text = csv_text(["email", "name"], _valid_rows(400))
    obs = run(database, driver, text, existing=existing, fail_on_email="user398@example.com")
    assert poison_hits(database) >= 1, "the poisoned email was never written: it should have been created"
    assert obs["members"] == members(*existing), "a database error must leave no member of this file behind"


@pytest.mark.weight(2)
def test_large_file_with_many_existing_members(database, driver):
    rows = _valid_rows(1500)
    rows[700:700] = [["USER3@example.com", "Again"], ["bad-email", "Bad"]]
    existing = [{"email": f"user{i}@example.com", "name": "Old"} for i in range(0, 1500, 3)]
    obs = run(database, driver, csv_text(["email", "name"], rows), existing=existing)
    created = [(f"user{i}@example.com", f"User {i}") for i in range(1500) if i % 3]
    check(obs, stored=members(*existing, *created), counts=(1000, 501, 1), invalid_lines=[703], quiet_lines=[701, 704])


# ---------------------------------------------------------------- dry run


@pytest.mark.weight(2)
def test_dry_run_counts_repeated_emails_like_a_real_run(database, driver):
    text = "email,name\ncy@example.com,Cy\nCY@example.com,Cy Two\nann@example.com,Ann\nnope,Nope\ncy@example.com,Cy3\n"
    for argv_style in (False, True):
        obs = run(database, driver, text, existing=[ANN], dry_run=True, argv_style=argv_style)
        check(obs, stored=members(ANN), counts=(1, 3, 1), invalid_lines=[5], quiet_lines=[2])
    obs = run(database, driver, text, existing=[ANN])
    check(obs, stored=members(ANN, ("cy@example.com", "Cy")), counts=(1, 3, 1), invalid_lines=[5], quiet_lines=[2])


# ---------------------------------------------------------------- property: random files vs the oracle

LONG_OK = email_of_length(EMAIL_MAX, "k")  # exactly fits the column
VALID = [
    "ann@example.com",
    "bob.smith@example.org",
    "cy+news@mail.example.net",
    "dee_o@sub.example.co.uk",
    "e1@x.io",
    LONG_OK,
]
INVALID = [
    "",
    "plainaddress",
    "ann@",
    "@example.com",
    "a@@example.com",
    "ann smith@example.com",
    "x.example.com",
    email_of_length(EMAIL_MAX + 1, "m"),  # valid for validate_email, longer than the column
    email_of_length(310, "n"),
]
GOOD_NAMES = ["Ann", "Bob Smith", "Lee, Dan", "Zoë", 'Quote "Q"', "Mary  Ann", "L" * NAME_MAX]
BAD_NAMES = ["", " ", "\t ", "O" * (NAME_MAX + 1), "P " * 101]
PADS = ["", " ", "  ", "\t"]

# Each pool lists the common case twice, so that most rows are valid and repeated emails are frequent.
EMAILS = [(email, True) for email in VALID * 2] + [(email, False) for email in INVALID]
NAMES = [(name, True) for name in GOOD_NAMES * 2] + [(name, False) for name in BAD_NAMES]
CASES = ["lower", "upper", "title"]


@st.composite
def row_st(draw):
    """None (an empty line, 1 in 8) or {"email": {"raw", "norm", "ok"}, "name": {"raw", "ok"}}."""
    if draw(st.integers(0, 7)) == 0:
        return None
    email, email_ok = draw(st.sampled_from(EMAILS))
    name, name_ok = draw(st.sampled_from(NAMES))
    pad = draw(st.sampled_from(PADS))
    raw_email = pad + (getattr(email, draw(st.sampled_from(CASES)))() if email_ok else email) + pad
    raw_name = draw(st.sampled_from(PADS)) + name if name_ok else name
    return {"email": {"raw": raw_email, "norm": email, "ok": email_ok}, "name": {"raw": raw_name, "ok": name_ok}}


HEADERS = [["email", "name"], ["name", "email"], ["id", "email", "note", "name"]]
# A column the header may name a second time: most often none; repeating email or name is an error.


@st.composite
def rows_st(draw):
    """2 to 14 rows, then up to 2 more that repeat an earlier row's email (re-cased, re-padded)."""
    rows = draw(st.lists(row_st(), min_size=2, max_size=14))
    for _ in range(draw(st.integers(0, 2))):
        earlier = [index for index, row in enumerate(rows) if row is not None and row["email"]["ok"]]
        if not earlier:
            break
        source = rows[draw(st.sampled_from(earlier))]
        email = source["email"]["norm"]
        raw = draw(st.sampled_from(PADS)) + getattr(email, draw(st.sampled_from(CASES)))()
        name = draw(st.sampled_from(GOOD_NAMES))
        copy = {"email": {"raw": raw, "norm": email, "ok": True}, "name": {"raw": name, "ok": True}}
        rows.insert(draw(st.integers(rows.index(source) + 1, len(rows))), copy)
    return rows


@st.composite
def header_st(draw):
    """(cells as written, with surrounding spaces; column names they stand for)."""
    columns = list(draw(st.sampled_from(HEADERS)))
    # Most headers name each column once; about 1 in 6 repeats one (email or name: an error).
    repeat = draw(st.sampled_from(["note", "email", "name"])) if draw(st.integers(0, 5)) == 0 else None
    if repeat is not None:
        columns.insert(draw(st.integers(0, len(columns))), repeat)
    cells = [draw(st.sampled_from(PADS)) + column + draw(st.sampled_from(PADS)) for column in columns]
    return cells, columns


def oracle(rows, existing, first_line=2):
    stored = {m["email"] for m in existing}
    created, skipped, invalid_lines, quiet = {}, 0, [], list(range(1, first_line))
    for line, row in enumerate(rows, start=first_line):
        if row is None:
            quiet.append(line)
            continue
        if not (row["email"]["ok"] and row["name"]["ok"]):
            invalid_lines.append(line)
            continue
        email = row["email"]["norm"]
        if email in stored or email in created:
            skipped += 1
        else:
            created[email] = row["name"]["raw"].strip()
            quiet.append(line)
    return created, (len(created), skipped, len(invalid_lines)), invalid_lines, quiet


def cells_for(columns, row):
    values = {"email": row["email"]["raw"], "name": row["name"]["raw"], "id": "7", "note": "n"}
    return [values[column] for column in columns]


@pytest.mark.weight(6)
@settings(max_examples=60)
@given(
    header=header_st(),
    rows=rows_st(),
    existing=st.lists(st.sampled_from(VALID), unique=True, max_size=3),
    blank_lines_first=st.integers(0, 2),
    dry_run=st.booleans(),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_random_files_match_the_oracle(
    database, driver, header, rows, existing, blank_lines_first, dry_run, bom, newline
):
    cells, columns = header
    existing_rows = [{"email": e, "name": "Existing"} for e in existing]
    body = csv_text(cells, [None if row is None else cells_for(columns, row) for row in rows], newline)
    text = ("\ufeff" if bom else "") + newline * blank_lines_first + body
    obs = run(database, driver, text, existing=existing_rows, dry_run=dry_run)
    if columns.count("email") > 1 or columns.count("name") > 1:
        assert obs["raised"] == "CommandError", f"a header repeating email or name: got {obs['raised']}"
        assert obs["members"] == members(*existing_rows)
        return
    created, counts, invalid_lines, quiet = oracle(rows, existing_rows, first_line=2 + blank_lines_first)
    stored = members(*existing_rows) if dry_run else members(*existing_rows, *created.items())
    check(obs, stored=stored, counts=counts, invalid_lines=invalid_lines, quiet_lines=quiet)


@pytest.mark.weight(3)
@settings(max_examples=25)
@given(rows=rows_st(), existing=st.lists(st.sampled_from(VALID), unique=True, max_size=3))
def test_random_files_with_a_failing_write_leave_nothing(database, driver, rows, existing):
    existing_rows = [{"email": e, "name": "Existing"} for e in existing]
    created, _counts, _invalid, _quiet = oracle(rows, existing_rows)
    assume(created)
    poisoned = list(created)[-1]  # the last member the file creates: the others come before it
    text = csv_text(["email", "name"], [None if row is None else cells_for(["email", "name"], row) for row in rows])
    obs = run(database, driver, text, existing=existing_rows, fail_on_email=poisoned)
    assert poison_hits(database) >= 1, f"{poisoned} was never written: it should have been created"
    assert obs["members"] == members(*existing_rows), "a database error must leave no member of this file behind"


BAD_HEADERS = [
    "name,team",
    "email,team",
    "mail,full_name",
    "team",
    "Email,Name",
    "email,name,email",
    " name ,email,name",
]


@st.composite
def unreadable_files(draw):
    """CSV text the command must refuse whole (None: the path names no file)."""
    kind = draw(st.sampled_from(["missing", "missing", "empty", "blank_lines", "bad_header"]))
    if kind == "missing":
        return None
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    if kind == "empty":
        return draw(st.sampled_from(["", "\ufeff"]))
    if kind == "blank_lines":
        return newline * draw(st.integers(1, 4))
    rows = [[email, "Someone"] for email in draw(st.lists(st.sampled_from(VALID), unique=True, max_size=3))]
    return newline * draw(st.integers(0, 2)) + csv_text([draw(st.sampled_from(BAD_HEADERS))], rows, newline)


@settings(max_examples=30)
@given(
    text=unreadable_files(),
    existing=st.lists(st.sampled_from(VALID), unique=True, max_size=3),
    dry_run=st.booleans(),
    argv_style=st.booleans(),
)
def test_any_unreadable_file_raises_command_error_and_writes_nothing(
    database, driver, text, existing, dry_run, argv_style
):
    existing_rows = [{"email": e, "name": "Existing"} for e in existing]
    obs = run(database, driver, text, existing=existing_rows, dry_run=dry_run, argv_style=argv_style)
    what = "a missing file" if text is None else f"the file {text!r}"
    assert obs["raised"] == "CommandError", f"{what}: expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(*existing_rows)
