# The two commands of the README, and the few helpers around them.
# Every target builds .venv itself, so a fresh clone needs nothing but python3 and make.

VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
ARGS    ?=
PYTEST_ARGS ?=
# make test runs the suite on this many processes (pytest-xdist); 2 matches CI's 2 cores. 0 = in-process.
PYTEST_WORKERS ?= 2

.PHONY: run test lint browser graphviz bench clean platform-deps platform-up platform-down test-platforms test-heavy

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## make run: run the default study end to end and print where its scorecard is
run: $(STAMP)
	$(PYTHON) -m evalkit run $(ARGS)

## make test: lint (ruff, ruff format, mypy), then the whole test suite (browser tests included)
test: $(STAMP) browser graphviz lint
	$(PYTHON) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make lint: ruff, ruff's formatting check and mypy on evalkit/ (configured in pyproject.toml)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## Debian's Chromium for the report's real-browser test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: sudo apt-get install chromium (browser tests will be skipped)"; fi; }

## Debian's Graphviz for the report's process map (the graphviz Python package drives its `dot`).
graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else echo "graphviz is missing: sudo apt-get install graphviz (the report shows a note instead of the process map)"; fi; }

bench: $(STAMP)
	for script in benchmarks/*.py; do $(PYTHON) $$script; done

## Real engines (platforms/): the Python packages of the kits, a kit up or down, their tests.
platform-deps: $(STAMP)
	$(PYTHON) -m pip install --quiet -e '.[platforms]'

## make platform-up NAME=celery (also temporal, restate, n8n): install if needed, start on 127.0.0.1
platform-up: platform-deps
	$(PYTHON) -m evalkit platform up $(NAME)

platform-down: $(STAMP)
	$(PYTHON) -m evalkit platform down $(NAME)

## make test-platforms: the kits other than Celery (marked `platforms`; Celery runs in `make test`)
test-platforms: platform-deps
	$(PYTHON) platforms/restate/kit.py install
	$(PYTHON) platforms/n8n/kit.py install  # npm, about 13 min and 1.1 GB the first time
	$(PYTHON) -m pytest -m platforms tests/platforms $(PYTEST_ARGS)

## make test-heavy: long checks beyond CI's time budget (marked `heavy`), e.g. five runs under a CPU hog
test-heavy: $(STAMP)
	$(PYTHON) -m pytest -m heavy $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
