# The two commands the README gives: `make demo` and `make test`.
# Both set up a virtual environment in the clone (.venv) and install grad-magic into it, editable,
# with the extra they need; both are safe to run twice (a second set-up only checks), and both
# say what they are doing. Delete .venv to start over.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
JUPYTER_ARGS ?=
PYTEST_ARGS ?=

.PHONY: demo test setup-demo setup-test bench

$(BIN)/python:
	@echo "==> creating the virtual environment $(VENV) (with $(PYTHON))"
	$(PYTHON) -m venv $(VENV)

# .venv/.installed-demo, .venv/.installed-test: made again when pyproject.toml changes.
$(VENV)/.installed-%: pyproject.toml | $(BIN)/python
	@echo "==> installing grad-magic (editable) with the '$*' extra into $(VENV)"
	$(BIN)/python -m pip install --progress-bar off -e '.[$*]'
	@touch $@

setup-demo: $(VENV)/.installed-demo
	@echo "==> $(VENV) has grad-magic with the demo extra (JupyterLab)"

setup-test: $(VENV)/.installed-test
	@echo "==> $(VENV) has grad-magic with the test extra (pytest, nbclient, playwright, torch==2.13.0)"

demo: setup-demo
	@echo "==> opening demo.ipynb in JupyterLab (Ctrl-C stops it)"
	$(BIN)/jupyter lab demo.ipynb $(JUPYTER_ARGS)

test: setup-test
	@echo "==> running every test (engine, magic, demo notebook, and the browser tests: about a minute)"
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@echo "==> the engine's tests again, on a stand-in GPU whose arrays refuse numpy (tests/engine/fake_cupy.py)"
	ENGINE_TEST_DEVICE=fake-cuda $(BIN)/python -m pytest tests/engine $(PYTEST_ARGS) || [ $$? -eq 5 ]  # 5: PYTEST_ARGS chose no engine test

bench: setup-test
	$(BIN)/python -m bench
