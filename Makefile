# Two commands on a fresh machine: `make run` and `make test`. Everything else is here too.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The PostgreSQL server the tests create their database on (trust auth on this machine kind).
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
BENCH_ARGS ?=
# Browser libraries from the npm registry (package.json, package-lock.json), served by the app.
VENDOR := newsletter/static/vendor
VENDOR_STAMP := $(VENDOR)/.installed

.PHONY: install run test lint format bench drill system-packages translations lock clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

$(VENDOR_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing: the dashboard's charting library \
	comes from the npm registry; install Node.js and npm (e.g. apt-get install npm)" >&2; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.umd.min.js
	cp node_modules/chart.js/LICENSE.md $(VENDOR)/chart.js.LICENSE.md
	touch $(VENDOR_STAMP)

install: $(STAMP) $(VENDOR_STAMP)  ## Create .venv, install the app with its test tools and the browser libraries

run: install  ## Serve the app, scheduler and senders on http://127.0.0.1:5000 (SQLite, outbox)
	$(BIN)/newsletter run

system-packages:  ## Chromium, CJK fonts and SpamAssassin for the browser and rendering tests
	./scripts/system-packages.sh

test: install system-packages  ## The whole suite on SQLite and on PostgreSQL
	NEWSLETTER_TEST_DATABASE_URL="$${NEWSLETTER_TEST_DATABASE_URL:-$(PG_TEST_URL)}" $(BIN)/pytest

lint: install  ## ruff (lint and format) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install system-packages  ## Every benchmark in bench/, each printing its figures
	@set -e; for script in bench/[a-z]*.py; do \
	  case $$script in bench/drill.py|bench/_*) continue;; esac; \
	  echo "== $$script"; $(BIN)/python $$script $(BENCH_ARGS); done

drill: install system-packages  ## The load-and-fault drill
	$(BIN)/python bench/drill.py $(BENCH_ARGS)

translations: install  ## Extract UI strings and merge them into the Chinese catalogue
	@mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o build/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i build/messages.pot -d newsletter/translations --no-fuzzy-matching --ignore-obsolete

lock: install  ## Refresh requirements/constraints.txt from the installed environment
	$(BIN)/pip freeze --exclude-editable | sort > requirements/constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts node_modules $(VENDOR)
