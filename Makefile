# Monitoraggio Piano di Zona: `make run` and `make test` do all set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# Only this machine by default; ADDRESS=0.0.0.0 for a server behind a reverse proxy (see README, «Sicurezza»).
ADDRESS ?= 127.0.0.1
STREAMLIT := $(VENV)/bin/streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS)

.PHONY: install install-test lint typecheck format lock browser postgres run demo test test-quick bench bench-region user remind export-plan plan-template import-plan report backup restore migration clean

install: $(VENV)/.installed

# The whole dependency tree is locked with hashes (requirements.lock, from requirements.txt by `make lock`):
# a fresh machine installs exactly what the tests ran with. uv installs it (checking the same hashes: 13 s here,
# where pip took 95 s); uv itself comes from its own hash-locked file.
UV := $(VENV)/bin/uv
UV_INSTALL = $(UV) pip install --quiet --python $(PY) --require-hashes --no-deps

$(UV): requirements-uv.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-uv.lock
	@touch $@

$(VENV)/.installed: requirements.lock $(UV)
	$(UV_INSTALL) -r requirements.lock
	@touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(UV_INSTALL) -r requirements-test.lock
	@touch $@

# Re-lock after changing requirements.txt, requirements-test.txt or requirements-uv.txt (uv resolves from the
# package index; the test lock is constrained by the app lock, so both agree on every shared package).
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --python-version 3.11 --python-platform linux
lock: install
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) requirements.txt requirements-test.txt -c requirements.lock -o requirements-test.lock
	$(UV) pip compile --quiet --generate-hashes --python-version 3.11 requirements-uv.txt -o requirements-uv.lock

# Debian's Chromium for the browser tests; never `playwright install` (it cannot download here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "ATTENZIONE: Chromium non installabile: i test del browser saranno saltati"; }

# Debian's PostgreSQL for the tests (the suite starts its own throwaway cluster on 127.0.0.1, never 5432).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "ATTENZIONE: PostgreSQL non installabile: i test su PostgreSQL saranno saltati"; }

run: install
	$(PY) -m models.cli init
	$(STREAMLIT)

demo: install
	PDZ_DEMO=1 PDZ_DATABASE_URL=$${PDZ_DATABASE_URL:-sqlite:///$(CURDIR)/instance/pdz-demo.sqlite3} $(PY) -m models.demo
	PDZ_DEMO=1 PDZ_DATABASE_URL=$${PDZ_DATABASE_URL:-sqlite:///$(CURDIR)/instance/pdz-demo.sqlite3} $(STREAMLIT)

# The whole suite; the domain tests run on SQLite and on a throwaway PostgreSQL cluster (tests/pg.py).
# The browser tests mostly wait (Chromium, the app's server), so they run beside the others and beside mypy
# (73 s with an empty cache), one pytest each with its own temporary folder; the others' report and mypy's are
# printed after the browser tests'.
TEST_TMP := $(shell mktemp -d -u /tmp/pdz-test-XXXXXX)
test: install-test browser postgres lint
	@mkdir -p $(TEST_TMP)
	@$(VENV)/bin/mypy > $(TEST_TMP)/mypy.log 2>&1 & types=$$!; \
	$(PY) -m pytest -m "not browser" --basetemp=$(TEST_TMP)/domain > $(TEST_TMP)/domain.log 2>&1 & domain=$$!; \
	$(PY) -m pytest -m browser --basetemp=$(TEST_TMP)/browser; browser=$$?; \
	wait $$domain; status=$$?; cat $(TEST_TMP)/domain.log; \
	wait $$types; typed=$$?; echo "mypy:"; cat $(TEST_TMP)/mypy.log; rm -rf $(TEST_TMP); \
	test $$browser -eq 0 -a $$status -eq 0 -a $$typed -eq 0

# Style and lint (ruff, configured in pyproject.toml): part of `make test`; `make format` rewrites the files.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Static types (mypy, configured in pyproject.toml): part of `make test`.
typecheck: install-test
	$(VENV)/bin/mypy

format: install-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test-quick: install-test
	$(PY) -m pytest -m "not browser and not slow"

user: install
	$(PY) -m models.cli user --username "$(USERNAME)" --role "$(ROLE)" --areas "$(AREAS)" --name "$(NAME)" --email "$(EMAIL)"

# make remind: send the e-mail notices due now (for cron: each goes out once); DRY_RUN=1 prints them, sends nothing.
remind: install
	$(PY) -m models.cli remind $(if $(filter 1,$(DRY_RUN)),--dry-run)

export-plan: install
	$(PY) -m models.cli export-plan --out "$(OUT)"

# make plan-template OUT=modello.xlsx: the empty plan workbook; make import-plan FILE=piano.xlsx shows what the
# import would do, CONFIRM=1 does it (one transaction). The database PDZ_DATABASE_URL names (or the default).
plan-template: install
	$(PY) -m models.cli plan-template --out "$(OUT)"

import-plan: install
	$(PY) -m models.cli import-plan --file "$(FILE)" $(if $(filter 1,$(CONFIRM)),--confirm)

# make report YEAR=2025 SEMESTER=1 OUT=r.xlsx (semester) | make report YEAR=2025 OUT=r.xlsx|r.html (annual);
# INCLUDE_SUBMITTED=1 counts submitted reports too. The database PDZ_DATABASE_URL names (or the default).
report: install
	$(PY) -m models.cli report --year "$(YEAR)" --semester "$(SEMESTER)" --out "$(OUT)" $(if $(filter 1,$(INCLUDE_SUBMITTED)),--include-submitted)

# make backup [OUT=file]; make restore FILE=file [FORCE=1]: the database PDZ_DATABASE_URL names (or the default)
backup: install
	$(PY) -m models.cli backup --out "$(OUT)"

restore: install
	$(PY) -m models.cli restore --file "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

# Developers, after changing models/tables.py: make migration MSG="what changes" writes the next Alembic revision
migration: install
	$(PY) -m models.cli migration --message "$(MSG)"

clean:
	rm -rf $(VENV) .pytest_cache

bench: install-test browser
	$(PY) -m tests.bench.run_bench

# A Region's Ambiti on one throwaway PostgreSQL, 1 to 90, schema per Ambito vs database per Ambito (docs/regione.md)
bench-region: install-test postgres
	$(PY) -m tests.bench.region
