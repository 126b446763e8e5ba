# The few commands people need. `make run` and `make test` set everything up first.
PY := .venv/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test lint fmt messages screenshots

setup:
	@scripts/setup.sh

# Links in emails and on the printed form point where `make run` serves (make run PORT=8001),
# unless PORTAL_BASE_URL is set in the environment.
run: export PORTAL_BASE_URL ?= http://$(HOST):$(PORT)
run: setup  ## SQLite, demo data, http://127.0.0.1:8000 (another port: make run PORT=8001)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "==> Serving http://$(HOST):$(PORT)/ (PORTAL_BASE_URL=$$PORTAL_BASE_URL)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup  ## lint, the floors, migrations check, the whole suite (set DATABASE_URL for PostgreSQL)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-logo --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check
	.venv/bin/pytest

lint: setup  ## ruff, and the floors between the apps (import-linter, ARCHITECTURE.md)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-logo --no-cache

fmt: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

messages: setup  ## refresh the English catalog after changing strings
	$(PY) manage.py makemessages -l en --no-obsolete --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

screenshots:  ## with `make run` going in another terminal
	$(PY) scripts/screenshots.py
