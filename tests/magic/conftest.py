"""A real IPython shell with grad_magic loaded, and a helper that runs a `%%grad` cell in it."""
import json
import pathlib
import shutil
import subprocess
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


@pytest.fixture
def widget_js(tmp_path):
    """widget_js(widget): widget.js run in Node on the widget's synced traits (widget_harness.mjs):
    {"drawn": what it drew, "sets": the traits it set, in order}."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    here = pathlib.Path(__file__).parent
    source = here.parents[1] / "grad_magic" / "views" / "widget.js"

    def run(widget):
        state = tmp_path / "state.json"
        traits = {name: getattr(widget, name) for name in widget.trait_names(sync=True)}
        state.write_text(json.dumps({name: value for name, value in traits.items()  # ours, not ipywidgets'
                                     if isinstance(value, (str, int, float, list, dict)) and not name.startswith("_")}))
        module = tmp_path / "widget.mjs"  # Node reads a .js file as CommonJS; the widget is an ES module
        module.write_text(source.read_text())
        done = subprocess.run([node, str(here / "widget_harness.mjs"), str(module), str(state)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)
    return run
