# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.db

.PHONY: demo test quick lint bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@

demo: $(BIN)/.installed
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/ledger --db sqlite:///$(DEMO_DB) demo

test: $(BIN)/.installed
	$(BIN)/python -m pytest

# The quick loop while working: the suite less the tests marked slow (concurrency, lock
# time-outs, property tests). `make test` (and CI) runs everything.
quick: $(BIN)/.installed
	$(BIN)/python -m pytest -m "not slow"

# ruff (pyflakes, pycodestyle, isort, bugbear, pyupgrade, complexity) and mypy, configured in
# pyproject.toml; any finding fails.
lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(BIN)/.installed
	$(BIN)/python benchmarks/import_bench.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis .mypy_cache .ruff_cache $(DEMO_DB)*
