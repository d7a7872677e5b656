"""The prompt's example, two error cases and the header and length rules, through the challenge's driver."""

import re

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
ANN = {"email": "ann@example.com", "name": "Ann"}


def lines_reported(stderr):
    return [int(n) for n in re.findall(r"line\s+(\d+)", stderr, re.IGNORECASE)]


def test_prompt_example(driver):
    obs = driver.run_import_scenario(csv_text=PROMPT_CSV, existing=[ANN])
    assert obs["raised"] is None, obs["message"]
    assert "created=2 skipped=2 invalid=2" in obs["stdout"]
    assert obs["members"] == [["ann@example.com", "Ann"], ["bob@example.com", "Bob"], ["dan@example.com", "Lee, Dan"]]
    assert {5, 7} <= set(lines_reported(obs["stderr"]))


def test_prompt_example_dry_run(driver):
    obs = driver.run_import_scenario(csv_text=PROMPT_CSV, existing=[ANN], dry_run=True, argv_style=True)
    assert obs["raised"] is None, obs["message"]
    assert "created=2 skipped=2 invalid=2" in obs["stdout"]
    assert obs["members"] == [["ann@example.com", "Ann"]]


def test_missing_file_and_bad_header(driver):
    assert driver.run_import_scenario(csv_text=None)["raised"] == "CommandError"
    assert driver.run_import_scenario(csv_text="name,team\nAnn,red\n")["raised"] == "CommandError"


def test_blank_lines_before_a_padded_header_and_a_too_long_email(driver):
    long_email = "a" * 243 + "@example.com"  # 255 characters: valid for validate_email, too long for the model
    text = f"\n\n email , name \n{long_email},Long\nbob@example.com,Bob\n"
    obs = driver.run_import_scenario(csv_text=text)
    assert obs["raised"] is None, obs["message"]
    assert "created=1 skipped=0 invalid=1" in obs["stdout"]
    assert obs["members"] == [["bob@example.com", "Bob"]]
    assert set(lines_reported(obs["stderr"])) == {4}
