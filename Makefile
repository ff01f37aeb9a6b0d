# Packbench: `make run` opens the app, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test lint bench demo clean system-deps

run: system-deps $(VENV)/.installed
	$(PY) main.py $(ARGS)

test: system-deps $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: system-deps $(VENV)/.installed-test
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -s -p no:randomly tests/benchmarks -o addopts=""

demo: $(VENV)/.installed
	$(PY) main.py demo $(ARGS)

system-deps:
	@bash packaging/linux-deps.sh

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
