"""A real JupyterLab on a free loopback port, and a headless Chromium driven by Playwright.

JupyterLab runs with its own temporary HOME and Jupyter/Lab directories, no token and no
password, serving a copy of demo.ipynb from a temporary folder. It is stopped by its own pid
at the end, also when a test fails. Chromium is Debian's /usr/bin/chromium (Playwright never
downloads a browser here), headless, with a fresh profile.

Without Chromium or Playwright the browser tests skip with one message; with the environment
variable CI set they fail instead, so CI can't pass by skipping them.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = os.environ.get("GRAD_MAGIC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SERVER_START_TIMEOUT = 90  # seconds for JupyterLab to answer /api
SERVER_STOP_TIMEOUT = 20  # seconds for it to shut its kernels down and exit after SIGTERM

# JupyterLab settings for a quiet, deterministic page: no news or update pop-ups, and every
# cell kept in the DOM (no windowing), so each output can be found and scrolled to.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def missing(message):
    """Skip, or fail under CI: the one way the browser tests react to a missing prerequisite."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(message)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(base):
    """The environment of a Jupyter server whose HOME and Jupyter folders are all under `base`."""
    env = dict(os.environ)
    folders = {
        "HOME": "home", "JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime", "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces", "IPYTHONDIR": "ipython",
    }
    for variable, name in folders.items():
        (base / name).mkdir(parents=True, exist_ok=True)
        env[variable] = str(base / name)
    for path, settings in LAB_SETTINGS.items():
        target = base / "lab-settings" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(settings))
    env.pop("JUPYTER_TOKEN", None)
    return env


def server_args(port, root_dir=None):
    """JupyterLab's options: loopback only, this port or none, no token, no password, no browser.

    (`--IdentityProvider.token=` is jupyter_server 2's name for the old `--ServerApp.token=`.)
    """
    return [
        "--no-browser", "--allow-root", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
    ] + ([f"--ServerApp.root_dir={root_dir}"] if root_dir else [])


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_for_http(url, process, log, timeout=SERVER_START_TIMEOUT):
    """Poll `url` until it answers 200; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{tail(log)}", pytrace=False)
        try:
            status, body = http_get(url, timeout=2)
            if status == 200:
                return body
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout}s:\n{tail(log)}", pytrace=False)


def tail(log, lines=40):
    try:
        return "\n".join(Path(log).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process, group=False):
    """Stop a server we started, by its own pid: SIGTERM, then SIGKILL for what is left.

    Every server here runs in a session of its own (start_new_session), so its process group
    holds just what it started. group=False: SIGTERM to the server alone, which shuts its
    kernels down itself; group=True: SIGTERM to the group (for `make`, which would not pass the
    signal on to the JupyterLab it started). Either way a last SIGKILL goes to the group.
    """
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(SERVER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # whatever of its own group is left (kernels)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(5)


def start_server(command, cwd, env, log):
    """Start a server command in its own session, its output going to `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def lab_folder(tmp_path_factory):
    """The folder JupyterLab serves, holding a copy of demo.ipynb; tests may add notebooks."""
    served = tmp_path_factory.mktemp("notebooks")
    shutil.copy(ROOT / "demo.ipynb", served / "demo.ipynb")
    return served


@pytest.fixture(scope="session")
def lab(tmp_path_factory, lab_folder):
    """A JupyterLab serving lab_folder: yields its base URL (http://127.0.0.1:PORT)."""
    base = tmp_path_factory.mktemp("lab")
    served = lab_folder
    port = free_port()
    log = base / "jupyterlab.log"
    process = start_server([sys.executable, "-m", "jupyterlab", *server_args(port, served)],
                           cwd=served, env=isolated_env(base), log=log)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/api", process, log)
        yield url
    finally:
        stop(process)
        if ARTIFACTS.is_dir():
            shutil.copy(log, ARTIFACTS / "jupyterlab.log")


def chromium_problem():
    """Why the browser tests can't run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium; "
                "or set GRAD_MAGIC_CHROMIUM to its path)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright Python package (the test extra installs it)"
    return None


def pytest_collection_modifyitems(config, items):
    """Without Chromium, skip every test that needs it, under one message (but not under CI)."""
    problem = chromium_problem()
    if problem is None or os.environ.get("CI"):
        return
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=problem))


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium (Debian's) with a fresh profile: a Playwright BrowserContext."""
    problem = chromium_problem()
    if problem:
        missing(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def servers():
    """The helpers above, for test modules (conftest can't be imported under --import-mode=importlib)."""
    return SimpleNamespace(free_port=free_port, isolated_env=isolated_env, server_args=server_args,
                           start=start_server, stop=stop, wait_for_http=wait_for_http, tail=tail)
