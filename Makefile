# The two commands of the README. Both set up everything they need on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint install serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned to the CPU build, so nothing that needs it pulls the CUDA wheels.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e ".[dev]"
	$(BIN)/python -m concierge.tools.minilm_onnx
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/concierge demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check concierge tests bench
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/concierge serve

clean:
	rm -rf .concierge .pytest_cache
