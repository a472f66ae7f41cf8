# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
MANAGE := $(BIN)/python example_site/manage.py

.PHONY: demo test install lint format migrations-check messages wheel-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $@

install: $(VENV)/.installed

demo: install
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable
	$(MANAGE) participation_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(MANAGE) makemigrations --check --dry-run

# Regenerate the French catalogue after changing strings, then translate and compile it.
messages: install
	cd wagtail_participation && ../$(BIN)/django-admin makemessages -l fr --no-obsolete
	cd wagtail_participation && ../$(BIN)/django-admin compilemessages

wheel-check: install
	rm -rf dist && $(BIN)/python -m build --wheel --outdir dist . >/dev/null
	$(BIN)/python scripts/check_wheel.py dist/*.whl

clean:
	rm -rf $(VENV) dist build *.egg-info example_site/db.sqlite3
