"""%load_ext / %unload_ext grad_magic, and what importing the packages pulls in."""
import subprocess
import sys

from IPython.core.error import UsageError


def magic_tables(shell):
    manager = shell.magics_manager
    return {kind: dict(table) for kind, table in manager.magics.items()}, dict(manager.registry)


def test_loading_registers_line_and_cell_magic(ip):
    magics = ip.magics_manager.magics
    assert "grad" in magics["line"] and "grad" in magics["cell"]


def test_loading_twice_is_harmless(ip, grad):
    tables = magic_tables(ip)
    assert ip.run_cell("%load_ext grad_magic").success
    import grad_magic

    grad_magic.load_ipython_extension(ip)
    assert magic_tables(ip) == tables
    assert grad("x = torch.ones(2)").success


def test_unloading_removes_the_magics_and_restores_the_tables(ip, run):
    ip.run_cell("%unload_ext grad_magic")
    before = magic_tables(ip)
    ip.run_cell("%load_ext grad_magic")
    ip.run_cell("%unload_ext grad_magic")
    assert magic_tables(ip) == before
    ran = run("%%grad\nx = 1")
    assert not ran.success and isinstance(ran.error, UsageError)
    assert "not found" in str(ran.error)


def test_unloading_gives_back_a_magic_of_the_same_name(ip):
    ip.run_cell("%unload_ext grad_magic")

    def grad(line):
        return "someone else's %grad"

    ip.register_magic_function(grad, "line", "grad")
    ip.run_cell("%load_ext grad_magic")
    ip.run_cell("%unload_ext grad_magic")
    assert ip.run_line_magic("grad", "") == "someone else's %grad"
    del ip.magics_manager.magics["line"]["grad"]


def test_help_documents_the_options(ip):
    doc = ip.magics_manager.magics["cell"]["grad"].__doc__
    for option in ("--device", "--no-graph", "--quiet", "--roots", "--max-nodes"):
        assert option in doc


def imported_after(statement):
    code = f"import sys; {statement}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets', 'anywidget')))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_importing_engine_or_package_never_imports_ipython():
    assert imported_after("import engine") == "[]"
    assert imported_after("import grad_magic") == "[]"


def test_reloading_then_unloading_leaves_no_trace(ip):
    ip.run_cell("%unload_ext grad_magic")
    before = magic_tables(ip)
    ip.run_cell("%load_ext grad_magic")
    assert ip.run_cell("%reload_ext grad_magic").success
    assert ip.run_cell("%%grad\nx = torch.ones(2)").success
    ip.run_cell("%unload_ext grad_magic")
    assert magic_tables(ip) == before
