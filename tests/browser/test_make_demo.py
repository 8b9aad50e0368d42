"""The README's first command, `make demo`, ends in a JupyterLab that serves demo.ipynb.

It runs the real `make demo` of this clone (set-up included: with the venv already set up that
is a quick check) with JUPYTER_ARGS that pick a free loopback port, no browser and no token,
asks the server for demo.ipynb over HTTP, then stops make and the JupyterLab it started.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETUP_AND_START_TIMEOUT = 600  # seconds: `make demo` may first install into .venv


def test_make_demo_serves_the_notebook(tmp_path, servers):
    make = shutil.which("make")
    if make is None:
        pytest.skip("`make` is not installed")
    if Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        pytest.skip("runs only from the clone's own .venv (as `make test` runs it), which `make demo` sets up")
    port = servers.free_port()
    log = tmp_path / "make-demo.log"
    jupyter_args = " ".join(servers.server_args(port))
    process = servers.start([make, "--no-print-directory", "demo", f"JUPYTER_ARGS={jupyter_args}"],
                            cwd=ROOT, env=servers.isolated_env(tmp_path), log=log)
    try:
        body = servers.wait_for_http(f"http://127.0.0.1:{port}/api/contents/demo.ipynb?content=0", process, log,
                                     timeout=SETUP_AND_START_TIMEOUT)
        model = json.loads(body)
        assert model["name"] == "demo.ipynb" and model["type"] == "notebook"
    finally:
        servers.stop(process, group=True)
    output = log.read_text(errors="replace")
    assert "==> opening demo.ipynb in JupyterLab" in output, servers.tail(log)
    assert f"http://127.0.0.1:{port}/lab" in output, servers.tail(log)
    assert process.returncode is not None
    assert os.path.exists(ROOT / ".venv" / "bin" / "jupyter")
