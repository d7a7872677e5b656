# Everything a fresh machine needs, from Python and make alone.
VENV ?= .venv
PY := $(VENV)/bin/python
GRADER := $(VENV)/bin/grader
STAMP := $(VENV)/.installed
SAMPLE_OUT ?= out/sample

.PHONY: setup image sample test test-fast lint typecheck verify bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The sandbox image (built offline from Debian's packages when no base image can be pulled).
image: setup
	@command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap; }
	$(GRADER) image build

# Grade the sample submission in Docker and write its reports.
sample: image
	$(GRADER) grade tests/files/samples/lru_cache_partial.py --challenge lru-cache --out $(SAMPLE_OUT) --format html,md,json,junit

lint: setup
	$(VENV)/bin/ruff check grader tests
	$(VENV)/bin/ruff format --check grader tests

typecheck: setup
	$(VENV)/bin/mypy

verify: image
	$(GRADER) verify

# The whole suite: lint, types, unit/cli/integration/security tests, then the bank's verification.
test: image lint typecheck
	$(PY) -m pytest -q
	$(GRADER) verify

test-fast: setup
	$(PY) -m pytest -q -m "not docker"

bench: image
	$(GRADER) bench --out out/bench

clean:
	rm -rf $(VENV) out
