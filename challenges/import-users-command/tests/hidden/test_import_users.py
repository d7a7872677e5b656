"""Hidden suite for import-users-command.

The driver writes the CSV text given here to a temporary file, runs
`call_command("import_users", ...)` on the submission's command with StringIO
streams, and reports the escaped exception (if any), stdout, stderr and the
members stored afterwards. The expected members, counts and line numbers are
computed here; hypothesis files are built from pools of values whose validity
is known, and an oracle in this file replays the rules of the prompt.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SUMMARY = re.compile(r"created=(\d+) skipped=(\d+) invalid=(\d+)")
LINE_REF = re.compile(r"line\s+(\d+)", re.IGNORECASE)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

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


def run(driver, csv_text, existing=(), **kwargs):
    obs = driver.run_import(csv_text=csv_text, existing=list(existing), **kwargs)
    assert not obs["in_atomic"], "the command left a transaction open"
    return obs


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
def test_command_is_a_base_command_registered_as_import_users(driver):
    info = driver.command_info()
    assert info["is_base_command"], f"solution.Command must subclass BaseCommand, MRO: {info['mro']}"
    obs = run(driver, "email,name\nann@example.com,Ann\n")
    check(obs, stored=members(ANN), counts=(1, 0, 0), quiet_lines=[1, 2])


# ---------------------------------------------------------------- the prompt's example


@pytest.mark.weight(3)
def test_prompt_example(driver):
    obs = run(driver, PROMPT_CSV, existing=[ANN])
    check(
        obs,
        stored=members(ANN, ("bob@example.com", "Bob"), ("dan@example.com", "Lee, Dan")),
        counts=(2, 2, 2),
        invalid_lines=[5, 7],
        quiet_lines=[1, 3, 4, 8],
    )


@pytest.mark.weight(2)
def test_prompt_example_dry_run_writes_nothing(driver):
    obs = run(driver, PROMPT_CSV, existing=[ANN], dry_run=True)
    check(obs, stored=members(ANN), counts=(2, 2, 2), invalid_lines=[5, 7], quiet_lines=[1, 3, 4, 8])


@pytest.mark.weight(2)
def test_dry_run_flag_on_the_command_line(driver):
    obs = run(driver, PROMPT_CSV, existing=[ANN], dry_run=True, argv_style=True)
    check(obs, stored=members(ANN), counts=(2, 2, 2), invalid_lines=[5, 7], quiet_lines=[1, 3, 4, 8])


# ---------------------------------------------------------------- normalising and counting


@pytest.mark.weight(2)
def test_clean_file_creates_every_row(driver):
    text = "email,name\nann@example.com,Ann\nbob@example.org,Bob\ncy@mail.example.net,Cy\n"
    obs = run(driver, text)
    stored = members(ANN, ("bob@example.org", "Bob"), ("cy@mail.example.net", "Cy"))
    check(obs, stored=stored, counts=(3, 0, 0), quiet_lines=[1, 2, 3, 4])


@pytest.mark.weight(2)
def test_email_is_stripped_and_lower_cased(driver):
    text = "email,name\n  ANN@EXAMPLE.COM\t,Ann\nBob.Smith@Example.Org ,Bob\n"
    obs = run(driver, text)
    check(obs, stored=members(ANN, ("bob.smith@example.org", "Bob")), counts=(2, 0, 0), quiet_lines=[2, 3])


def test_name_is_stripped_but_inner_spaces_and_unicode_kept(driver):
    text = "email,name\nann@example.com,   Mary  Ann   \nzoe@example.com,Zoë Ünal\n"
    obs = run(driver, text)
    stored = members(("ann@example.com", "Mary  Ann"), ("zoe@example.com", "Zoë Ünal"))
    check(obs, stored=stored, counts=(2, 0, 0), quiet_lines=[2, 3])


@pytest.mark.weight(2)
def test_existing_member_is_skipped_and_left_unchanged(driver):
    existing = [ANN, {"email": "bob@example.com", "name": "Bob"}]
    text = "email,name\nAnn@Example.com,Ann Other\ncy@example.com,Cy\nbob@example.com,Robert\n"
    obs = run(driver, text, existing=existing)
    check(obs, stored=members(*existing, ("cy@example.com", "Cy")), counts=(1, 2, 0), quiet_lines=[1, 3])


@pytest.mark.weight(2)
def test_repeated_email_in_the_file_is_skipped_after_the_first(driver):
    text = "email,name\ncy@example.com,Cy\nCY@example.com,Cy Two\n cy@EXAMPLE.com,Cy Three\ndee@example.com,Dee\n"
    obs = run(driver, text)
    stored = members(("cy@example.com", "Cy"), ("dee@example.com", "Dee"))
    check(obs, stored=stored, counts=(2, 2, 0), quiet_lines=[2, 5])


@pytest.mark.weight(3)
def test_invalid_emails_are_counted_and_reported(driver):
    bad = ["plainaddress", "ann@", "@example.com", "ann@@example.com", "ann smith@example.com", "ann.example.com"]
    rows = [["ok@example.com", "Ok"]] + [[email, "Someone"] for email in bad] + [["fine@example.com", "Fine"]]
    obs = run(driver, csv_text(["email", "name"], rows))
    stored = members(("fine@example.com", "Fine"), ("ok@example.com", "Ok"))
    check(obs, stored=stored, counts=(2, 0, len(bad)), invalid_lines=list(range(3, 3 + len(bad))), quiet_lines=[2, 9])


@pytest.mark.weight(2)
def test_missing_email_or_empty_name_is_invalid(driver):
    text = "email,name\n,Nobody\n   ,Nobody\nann@example.com,\nbob@example.com,   \ncy@example.com,Cy\n"
    obs = run(driver, text)
    check(obs, stored=members(("cy@example.com", "Cy")), counts=(1, 0, 4), invalid_lines=[2, 3, 4, 5], quiet_lines=[6])


def test_short_row_with_missing_cells_is_invalid(driver):
    text = "email,name\nann@example.com\nbob@example.com,Bob\n\n,\n"
    obs = run(driver, text)
    check(obs, stored=members(("bob@example.com", "Bob")), counts=(1, 0, 2), invalid_lines=[2, 5], quiet_lines=[3, 4])


def test_short_row_missing_email_when_name_comes_first(driver):
    text = "name,email\nAnn\nBob,bob@example.com\n"
    obs = run(driver, text)
    check(obs, stored=members(("bob@example.com", "Bob")), counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


def test_invalid_row_counts_as_invalid_even_when_the_email_is_known(driver):
    text = "email,name\nann@example.com,\nbob@example.com,Bob\nBOB@example.com,  \n"
    obs = run(driver, text, existing=[ANN])
    check(obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(1, 0, 2), invalid_lines=[2, 4], quiet_lines=[3])


def test_an_earlier_invalid_row_does_not_make_a_later_one_skipped(driver):
    text = "email,name\ncy@example.com,\nCy@example.com,Cy\n"
    obs = run(driver, text)
    check(obs, stored=members(("cy@example.com", "Cy")), counts=(1, 0, 1), invalid_lines=[2], quiet_lines=[3])


# ---------------------------------------------------------------- the file format


@pytest.mark.weight(3)
def test_line_numbers_count_the_header_and_empty_lines(driver):
    text = "email,name\n\n\nbad,Bad\nann@example.com,Ann\n\nworse,Worse\n\n\n\nbob@example.com,\n"
    obs = run(driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 3), invalid_lines=[4, 7, 11], quiet_lines=[1, 2, 3, 5, 6, 8, 9, 10])


@pytest.mark.weight(2)
def test_byte_order_mark_is_ignored(driver):
    text = "\ufeffemail,name\nann@example.com,Ann\nbad,Bad\n"
    obs = run(driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 1), invalid_lines=[3], quiet_lines=[1, 2])


def test_byte_order_mark_with_name_column_first(driver):
    text = "\ufeffname,email\nAnn,ann@example.com\n"
    obs = run(driver, text)
    check(obs, stored=members(ANN), counts=(1, 0, 0), quiet_lines=[1, 2])


@pytest.mark.weight(2)
def test_extra_columns_and_column_order_do_not_matter(driver):
    text = "id,name,note,email,age\n1,Ann,hello,ann@example.com,33\n2,Bob,,bob@example.com,\n3,,x,cy@example.com,4\n"
    obs = run(driver, text)
    check(obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(2, 0, 1), invalid_lines=[4], quiet_lines=[2, 3])


def test_windows_line_endings(driver):
    text = "email,name\r\nann@example.com,Ann\r\n\r\nbad,Bad\r\nbob@example.com,Bob\r\n"
    obs = run(driver, text)
    check(
        obs, stored=members(ANN, ("bob@example.com", "Bob")), counts=(2, 0, 1), invalid_lines=[4], quiet_lines=[2, 3, 5]
    )


def test_quoted_fields(driver):
    text = 'email,name\n"ann@example.com","Lee, Ann"\n"bob@example.com","Bob ""the builder"""\n'
    obs = run(driver, text)
    stored = members(("ann@example.com", "Lee, Ann"), ("bob@example.com", 'Bob "the builder"'))
    check(obs, stored=stored, counts=(2, 0, 0), quiet_lines=[2, 3])


def test_header_only_file_imports_nothing(driver):
    obs = run(driver, "email,name\n", existing=[ANN])
    check(obs, stored=members(ANN), counts=(0, 0, 0))


# ---------------------------------------------------------------- errors


@pytest.mark.weight(3)
def test_missing_file_raises_command_error(driver):
    obs = run(driver, None, existing=[ANN])
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(ANN)


@pytest.mark.weight(2)
@pytest.mark.parametrize("header", ["name,team", "email,team", "mail,full_name", "team"])
def test_header_without_email_or_name_raises_command_error(driver, header):
    text = f"{header}\nann@example.com,Ann\nbob@example.com,Bob\n"
    obs = run(driver, text, existing=[{"email": "cy@example.com", "name": "Cy"}])
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == members(("cy@example.com", "Cy"))


def test_header_error_also_in_dry_run(driver):
    obs = run(driver, "name\nAnn\n", dry_run=True, argv_style=True)
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"


def test_empty_file_raises_command_error(driver):
    obs = run(driver, "")
    assert obs["raised"] == "CommandError", f"expected CommandError, got {obs['raised']}: {obs['message']}"
    assert obs["members"] == []


# ---------------------------------------------------------------- atomicity


def _valid_rows(n, prefix="user"):
    return [[f"{prefix}{i}@example.com", f"User {i}"] for i in range(n)]


@pytest.mark.weight(3)
@pytest.mark.parametrize("poisoned", [0, 3, 5])
def test_database_error_leaves_no_partial_import(driver, poisoned):
    rows = _valid_rows(6)
    obs = run(driver, csv_text(["email", "name"], rows), existing=[ANN], fail_on_email=f"user{poisoned}@example.com")
    assert obs["poison_fired"] >= 1, "the poisoned email was never written: it should have been created"
    assert obs["members"] == members(ANN), "a database error must leave no member of this file behind"


@pytest.mark.weight(2)
def test_database_error_late_in_a_large_file_leaves_nothing(driver):
    rows = _valid_rows(400)
    existing = [{"email": f"user{i}@example.com", "name": "Old"} for i in range(0, 400, 7)]
    obs = run(driver, csv_text(["email", "name"], rows), existing=existing, fail_on_email="user398@example.com")
    assert obs["poison_fired"] >= 1, "the poisoned email was never written: it should have been created"
    assert obs["members"] == members(*existing), "a database error must leave no member of this file behind"


@pytest.mark.weight(2)
def test_large_file_with_many_existing_members(driver):
    rows = _valid_rows(1500)
    rows[700:700] = [["USER3@example.com", "Again"], ["bad-email", "Bad"]]
    existing = [{"email": f"user{i}@example.com", "name": "Old"} for i in range(0, 1500, 3)]
    obs = run(driver, csv_text(["email", "name"], rows), existing=existing)
    created = [(f"user{i}@example.com", f"User {i}") for i in range(1500) if i % 3]
    check(obs, stored=members(*existing, *created), counts=(1000, 501, 1), invalid_lines=[703], quiet_lines=[701, 704])


# ---------------------------------------------------------------- dry run


@pytest.mark.weight(2)
def test_dry_run_counts_repeated_emails_like_a_real_run(driver):
    text = "email,name\ncy@example.com,Cy\nCY@example.com,Cy Two\nann@example.com,Ann\nnope,Nope\ncy@example.com,Cy3\n"
    for argv_style in (False, True):
        obs = run(driver, text, existing=[ANN], dry_run=True, argv_style=argv_style)
        check(obs, stored=members(ANN), counts=(1, 3, 1), invalid_lines=[5], quiet_lines=[2])
    obs = run(driver, text, existing=[ANN])
    check(obs, stored=members(ANN, ("cy@example.com", "Cy")), counts=(1, 3, 1), invalid_lines=[5], quiet_lines=[2])


# ---------------------------------------------------------------- property: random files vs the oracle

VALID = ["ann@example.com", "bob.smith@example.org", "cy+news@mail.example.net", "dee_o@sub.example.co.uk", "e1@x.io"]
INVALID = ["", "plainaddress", "ann@", "@example.com", "a@@example.com", "ann smith@example.com", "x.example.com"]
GOOD_NAMES = ["Ann", "Bob Smith", "Lee, Dan", "Zoë", 'Quote "Q"', "Mary  Ann"]
BAD_NAMES = ["", " ", "\t "]
PADS = ["", " ", "  ", "\t"]

email_st = st.one_of(
    st.tuples(st.sampled_from(VALID), st.sampled_from(["lower", "upper", "title"]), st.sampled_from(PADS)).map(
        lambda t: {"raw": t[2] + getattr(t[0], t[1])() + t[2], "norm": t[0], "ok": True}
    ),
    st.tuples(st.sampled_from(INVALID), st.sampled_from(PADS)).map(
        lambda t: {"raw": t[1] + t[0], "norm": t[0], "ok": False}
    ),
)
name_st = st.one_of(
    st.tuples(st.sampled_from(GOOD_NAMES), st.sampled_from(PADS)).map(lambda t: {"raw": t[1] + t[0], "ok": True}),
    st.sampled_from(BAD_NAMES).map(lambda n: {"raw": n, "ok": False}),
)
row_st = st.one_of(
    st.tuples(email_st, name_st).map(lambda t: {"email": t[0], "name": t[1]}),
    st.just(None),  # an empty line
)
HEADERS = [["email", "name"], ["name", "email"], ["id", "email", "note", "name"]]


def oracle(rows, existing):
    stored = {m["email"] for m in existing}
    created, skipped, invalid_lines, quiet = {}, 0, [], [1]
    for line, row in enumerate(rows, start=2):
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


def cells_for(header, row):
    values = {"email": row["email"]["raw"], "name": row["name"]["raw"], "id": "7", "note": "n"}
    return [values[column] for column in header]


@pytest.mark.weight(4)
@settings(max_examples=40)
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(row_st, max_size=12),
    existing=st.lists(st.sampled_from(VALID), unique=True, max_size=3),
    dry_run=st.booleans(),
    bom=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_random_files_match_the_oracle(driver, header, rows, existing, dry_run, bom, newline):
    existing_rows = [{"email": e, "name": "Existing"} for e in existing]
    created, counts, invalid_lines, quiet = oracle(rows, existing_rows)
    text = csv_text(header, [None if row is None else cells_for(header, row) for row in rows], newline)
    obs = run(driver, ("\ufeff" if bom else "") + text, existing=existing_rows, dry_run=dry_run)
    stored = members(*existing_rows) if dry_run else members(*existing_rows, *created.items())
    check(obs, stored=stored, counts=counts, invalid_lines=invalid_lines, quiet_lines=quiet)
