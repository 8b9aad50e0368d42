# The two commands the README gives: `make demo` and `make test`.
# Both set up a virtual environment in the clone (.venv), are safe to run twice, and say what they do.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test setup-demo setup-test bench

$(BIN)/python:
	@echo "==> creating virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup-demo: $(BIN)/python
	@echo "==> installing grad-magic with the demo extra (JupyterLab)"
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[demo]'

setup-test: $(BIN)/python
	@echo "==> installing grad-magic with the test extra (pytest, nbclient, playwright, torch==2.13.0)"
	$(BIN)/python -m pip install --quiet --progress-bar off -e '.[test]'

demo: setup-demo
	@echo "==> opening demo.ipynb in JupyterLab (Ctrl-C stops it)"
	$(BIN)/jupyter lab demo.ipynb $(JUPYTER_ARGS)

test: setup-test
	@echo "==> running every test"
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: setup-test
	$(BIN)/python -m bench
