# Two commands matter: `make run` and `make test`. Everything else is a step they share.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
MANAGE := $(BIN)/python manage.py

.PHONY: setup services stop migrate run test lint fmt typecheck pytest clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)

services: setup
	@mkdir -p var/staticfiles
	@$(BIN)/python -m coreesim.embedded up

stop:
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

pytest: services
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

run: migrate
	@$(MANAGE) demo_data
	@trap '$(BIN)/python -m coreesim.embedded down' EXIT; \
	  $(MANAGE) run_banner; \
	  $(BIN)/honcho --procfile Procfile start

clean: stop
	rm -rf var
