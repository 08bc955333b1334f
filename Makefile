# The two commands of the README, plus helpers. Everything runs in the kit's own
# virtual environment, .venv/ (created by scripts/venv; nothing goes into the system Python).
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint bench system-deps regenerate lab clean-venv

## Create .venv, install the kit with JupyterLab, build the demo portfolio and run the monthly
## batch of each of its periods, oldest first (the reporting history: trends, restatements).
demo:
	./scripts/venv lab
	$(PY) -m pmoreports demo
	for period in params/history/*/; do $(PY) -m pmoreports batch "$$period" || exit 1; done
	$(PY) -m pmoreports batch params
	@echo "reports: output/  |  activate the environment: . $(VENV)/bin/activate"

## Install test needs (Python into .venv, system programs when root) and run lint, types and every test.
test: system-deps
	./scripts/venv test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -q

system-deps:
	./scripts/install-system-deps

## Open the explore notebook in JupyterLab (after `make demo`).
lab:
	$(VENV)/bin/jupyter lab notebooks/explore.ipynb

lint:
	$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(PY) -m mypy

bench:
	$(PY) bench/bench_read.py
	$(PY) bench/bench_metrics.py
	$(PY) bench/bench_run.py
	$(PY) bench/bench_batch.py
	$(PY) bench/bench_large.py

## Rewrite the committed blank template, demo workbooks and params from the generators.
regenerate:
	$(PY) -m pmoreports demo --out .

clean-venv:
	rm -rf $(VENV)
