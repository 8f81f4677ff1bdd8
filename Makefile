# Two commands matter: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
MANAGE := $(BIN)/python manage.py

.PHONY: setup services messages stop migrate run test lint fmt typecheck pytest clean browser

# Re-installs only when pyproject.toml changed (the stamp carries its hash).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

# Embedded PostgreSQL + Redis, or (DATABASE_URL / REDIS_URL / CI=true) a loud check of external ones.
services: setup
	@mkdir -p var/staticfiles var/run
	@$(BIN)/python -m coreesim.embedded up

# .mo files are build output (gitignored); compiled in pure Python, no gettext needed.
messages: setup
	@$(MANAGE) compile_translations

stop: setup
	@$(BIN)/python -m coreesim.embedded down

migrate: services
	@$(MANAGE) migrate --noinput

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: setup
	$(BIN)/mypy .

# Debian's Chromium for the browser tests (tests/e2e): Playwright drives it, never downloads one.
browser:
	@command -v chromium >/dev/null || { if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing and only root can install it: browser tests will skip"; fi; }

pytest: services messages browser
	$(BIN)/pytest $(PYTEST_ARGS)

# Services first: an unreachable database fails the run before minutes of linting.
test: services lint typecheck pytest

# Embedded servers, migrations, demo data, banner, then web + worker + beat (+ simulator) under
# honcho; Ctrl-C stops all of it, embedded servers included.
run: setup messages
	@mkdir -p var/staticfiles var/run
	@$(BIN)/python -m coreesim.devrun

clean: stop
	rm -rf var
