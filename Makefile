# Two commands for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
MANAGE := $(BIN)/python example_site/manage.py

.PHONY: demo test bench install browser-deps lint format migrations-check messages messages-check wheel-check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet -e . --group test
	touch $@

install: $(VENV)/.installed

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e . --group bench
	touch $@

# Benchmarks (benchmarks/README.md): starts its own PostgreSQL and Redis from Debian's packages
# and writes benchmarks/results/latest.md. SMOKE=1: small scale and a short load, for CI.
bench: $(VENV)/.bench-installed
	$(BIN)/python benchmarks/run.py $(if $(SMOKE),--smoke)

demo: install
	$(MANAGE) migrate --no-input
	$(MANAGE) createcachetable
	$(MANAGE) participation_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

test: install browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# axe-core for the browser tests (tests/browser), from the npm registry. Without npm, Chromium or
# Java, the browser tests are skipped (CI installs them all and requires the tests to run).
browser-deps: tests/browser/node_modules/axe-core/axe.min.js

tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
		cd tests/browser && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the browser tests will be skipped"; fi

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

# Every French catalogue complete: no untranslated and no fuzzy message.
messages-check:
	@status=0; for po in $$(find wagtail_participation example_site -name django.po -path "*/fr/*" | sort); do \
		stats=$$(msgfmt --check-format --statistics -o /dev/null $$po 2>&1) || status=1; \
		echo "$$po: $$stats"; \
		case "$$stats" in *untranslated*|*fuzzy*) status=1;; esac; \
	done; exit $$status

wheel-check: install
	rm -rf dist && $(BIN)/python -m build --wheel --outdir dist . >/dev/null
	$(BIN)/python scripts/check_wheel.py dist/*.whl

clean:
	rm -rf $(VENV) dist build *.egg-info example_site/db.sqlite3 test-artifacts tests/browser/node_modules
