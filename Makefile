# The two commands of the README. Both set up everything they need in .venv on first use.
#   make run    start the dashboard (serve.py) on the embedded SQLite database (created with demo data),
#               in local mode (KPI_DEPLOYMENT=local: no sign-in, for a browser on this machine only)
#   make test   lint, check the formatting, type-check kpi/, app.py and app_pages/ and run the whole
#               test suite: the browser tests one at a time after the rest, which run on up to 4 cores
#               (pytest-xdist); installs axe-core for the accessibility checks with `npm ci`, pinned in package-lock.json
# Both install Python packages from the lock files (every package pinned, with its hashes):
#   make lock   after editing requirements.txt or requirements-dev.txt, regenerate requirements.lock and
#               requirements-dev.lock from them (pip-compile; reads PyPI) and commit all four
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
# npm's own record of what `npm ci` installed; newer than package-lock.json once it is done
AXE_STAMP = node_modules/.package-lock.json

.PHONY: run test lint lock clean

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

$(VENV)/.runtime: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(VENV)/.runtime $@

# The runtime lock first; the dev lock is held to it (-c), so both install the same runtime versions.
# --strip-extras writes the packages an extra brings (streamlit[auth], psycopg[binary]) by name;
# --allow-unsafe pins pip and setuptools too, which --require-hashes needs.
PIP_COMPILE = $(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links
lock: $(VENV)/.dev
	$(PIP_COMPILE) --output-file requirements.lock requirements.txt
	$(PIP_COMPILE) --constraint requirements.lock --output-file requirements-dev.lock requirements-dev.txt

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
