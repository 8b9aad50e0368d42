"""A real IPython shell with grad_magic loaded, and a helper that runs a `%%grad` cell in it."""
from dataclasses import dataclass

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from traitlets.config import Config


@pytest.fixture
def ip():
    config = Config()
    config.HistoryManager.hist_file = ":memory:"  # the user's history file is not the tests' to write
    shell = InteractiveShell.instance(config=config, colors="nocolor")
    shell.reset(new_session=False)
    shell.run_cell("%load_ext grad_magic", store_history=True)
    yield shell
    shell.run_cell("%unload_ext grad_magic")
    shell.reset(new_session=False)


@dataclass
class Ran:
    result: object  # IPython's ExecutionResult
    stdout: str
    stderr: str
    outputs: list  # rich display outputs (the widget's mime bundles)

    @property
    def success(self):
        return self.result.success

    @property
    def error(self):
        return self.result.error_in_exec or self.result.error_before_exec


def run_cell(shell, code):
    with capture_output() as captured:
        result = shell.run_cell(code, store_history=True)
    return Ran(result, captured.stdout, captured.stderr, captured.outputs)


@pytest.fixture
def run(ip):
    """run(code): run a cell as a user would; capture what it prints and displays."""
    return lambda code: run_cell(ip, code)


@pytest.fixture
def grad(ip):
    """grad(body, options=""): run `body` as a `%%grad` cell."""
    return lambda body, options="": run_cell(ip, f"%%grad {options}\n{body}")
