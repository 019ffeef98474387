# Two commands for a fresh machine with Python 3.11+ and make:
#   make run    install, migrate, load the demo and serve http://127.0.0.1:8000/
#   make test   install the test tools and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install install-test lock run demo serve worker soak test test-postgres test-browser lint format clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; set PYTHON=python3.12 or similar")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs are pinned: requirements.lock (the site) and requirements-test.lock (the site
# and its test tools), resolved by uv from pyproject.toml (`make lock` after changing it).
$(VENV)/.installed: requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-test: requirements-test.lock $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements-test.lock
	@touch $@

# Resolve the lock files again from pyproject.toml (for every platform and Python 3.11+).
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --quiet \
		--custom-compile-command "make lock" -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --extra test --quiet \
		--custom-compile-command "make lock" -o requirements-test.lock

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

demo: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py demo

# The development server and, beside it, the background worker (renditions, page rebuilds,
# leak re-checks: explainers/tasks.py). Ctrl-C stops both.
run: demo
	@echo "Serving http://$(HOST):$(PORT)/ (admin at http://$(HOST):$(PORT)/admin/), with a background worker. Ctrl-C stops both."
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	DEBUG=1 $(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The production server: gunicorn with 2 workers, DEBUG off, hashed compressed static files,
# and one background worker beside it (`make worker` runs a worker alone, e.g. on a machine
# or in a service of its own; TASK_WORKER=0 leaves it out here). Ctrl-C stops both.
# Needs SECRET_KEY and ALLOWED_HOSTS (and DATABASE_URL for PostgreSQL) in the environment.
serve: install
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py migrate --noinput
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	if [ "$${TASK_WORKER:-1}" != 0 ]; then $(BIN)/python manage.py db_worker --no-reload & worker=$$!; fi; \
	$(BIN)/python -m gunicorn editorial.wsgi:application --workers $${WORKERS:-2} --bind $(HOST):$(PORT)

# One background worker (explainers/tasks.py): run as many as the work needs, anywhere that
# reaches the database and the media storage.
worker: install
	$(BIN)/python manage.py db_worker --no-reload

# Several minutes of load against the production server on PostgreSQL, with a restart of the
# database in the middle (see bench/soak.py): make soak SOAK_ARGS="--seconds 240"
soak: install
	$(BIN)/python bench/soak.py --restart-postgres $(SOAK_ARGS)

# Parallel over the machine's cores (pytest-xdist); PYTEST_ARGS adds pytest options.
test: install-test
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# The same suite on PostgreSQL: make test-postgres DATABASE_URL=postgres://user@host/db
test-postgres: install-test
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL=postgres://..." && exit 2)
	DATABASE_URL=$(DATABASE_URL) $(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

test-browser: install-test
	$(BIN)/python -m pytest -n auto -m browser $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
