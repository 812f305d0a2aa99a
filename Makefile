# The two commands of the README. Both set up everything they need in .venv on first use.
#   make run    start the dashboard (serve.py) on the embedded SQLite database (created with demo data),
#               in local mode (KPI_DEPLOYMENT=local: no sign-in, for a browser on this machine only)
#   make test   lint, check the formatting, type-check kpi/ and run the whole test suite: the browser tests one at a time
#               after the rest, which run on up to 4 cores (pytest-xdist); installs axe-core for the
#               accessibility checks with `npm ci`, pinned in package-lock.json
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# npm's own record of what `npm ci` installed; newer than package-lock.json once it is done
AXE_STAMP = node_modules/.package-lock.json

.PHONY: run test lint clean

run: $(VENV)/.runtime
	KPI_DEPLOYMENT=$${KPI_DEPLOYMENT:-local} $(BIN)/streamlit run serve.py

test: $(VENV)/.dev $(AXE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest --ignore=tests/browser --numprocesses=auto --maxprocesses=4
	$(BIN)/python -m pytest tests/browser

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# axe-core (test-only) for tests/browser/test_accessibility.py, exactly the version in package-lock.json.
# Without npm the accessibility tests skip saying so (and fail under KPI_REQUIRE_BROWSER=1, as in CI).
$(AXE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund && touch $@; \
	else \
	  echo "npm not found: the accessibility tests will be skipped (apt-get install npm)"; \
	fi

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts node_modules
