# The two commands of the README, plus helpers. PYTHON can be overridden.
PYTHON ?= python3

.PHONY: demo test lint bench system-deps regenerate

## Install the kit and run the main job on the demo portfolio (reports in output/<period>/).
demo:
	$(PYTHON) -m pip install -q -e .
	$(PYTHON) -m pmoreports demo
	$(PYTHON) -m pmoreports batch params

## Install test needs (Python and system) and run lint, types and the whole test suite.
test: system-deps
	$(PYTHON) -m pip install -q -e ".[test]"
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .
	$(PYTHON) -m mypy
	$(PYTHON) -m pytest -q

system-deps:
	./scripts/install-system-deps

lint:
	$(PYTHON) -m ruff check . && $(PYTHON) -m ruff format --check . && $(PYTHON) -m mypy

bench:
	$(PYTHON) bench/bench_read.py
	$(PYTHON) bench/bench_metrics.py
	$(PYTHON) bench/bench_run.py
	$(PYTHON) bench/bench_batch.py
	$(PYTHON) bench/bench_large.py

## Rewrite the committed blank template, demo workbooks and params from the generators.
regenerate:
	$(PYTHON) -m pmoreports demo --out .
