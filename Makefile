# clickproof — `make run` serves the API with demo data; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export CLICKPROOF_HOME ?= ./var
DEMO_ACTIVITIES ?= 5000

.PHONY: install run test lint typecheck pytest bench bench-pdfs bench-ingest bench-console clean

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

run: install
	mkdir -p $(CLICKPROOF_HOME)
	$(BIN)/clickproof demo --activities $(DEMO_ACTIVITIES) --if-empty > $(CLICKPROOF_HOME)/demo.txt
	tail -n 1 $(CLICKPROOF_HOME)/demo.txt > $(CLICKPROOF_HOME)/demo-token
	@grep '^console:' $(CLICKPROOF_HOME)/demo.txt
	@echo "API token (also in $(CLICKPROOF_HOME)/demo-token):"
	@cat $(CLICKPROOF_HOME)/demo-token
	$(BIN)/clickproof serve

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

bench: install
	$(BIN)/python bench/export_csv.py

bench-pdfs: install
	$(BIN)/python bench/evidence_pdfs.py

bench-ingest: install
	$(BIN)/python bench/ingest.py

bench-console: install
	$(BIN)/python bench/console_pages.py --activities $(DEMO_ACTIVITIES)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
