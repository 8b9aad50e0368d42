"""A %%grad cell runs as a normal cell: output, display, tracebacks, magics inside, the namespace."""
import sys

import engine


def test_stdout_and_last_expression_become_the_cells_output(ip, grad):
    ran = grad("print('hello')\n6 * 7")
    assert ran.success
    assert ran.stdout.startswith("hello\n")
    assert ran.result.result == 42
    number = ip.execution_count - 1
    assert ip.user_ns["Out"][number] == 42 and ip.user_ns["_"] == 42


def test_a_trailing_semicolon_silences_the_last_expression(ip, grad):
    ran = grad("6 * 7;")
    assert ran.success and ran.result.result is None
    assert "42" not in ran.stdout


def test_statements_only_show_nothing(grad):
    ran = grad("a = 1\nif a:\n    b = 2")
    assert ran.success and ran.result.result is None


def test_line_magics_and_shell_commands_work_inside(ip, grad):
    ran = grad("echoed = !echo hello\nnames = %who_ls\n%env GRAD_MAGIC_TEST=1")
    assert ran.success
    assert list(ip.user_ns["echoed"]) == ["hello"]
    assert "echoed" in ip.user_ns["names"]


def test_an_exception_fails_the_cell_with_a_real_traceback(ip, grad):
    ran = grad("before = torch.ones(2)\nprint('ran')\n1 / 0\nafter = 1")
    assert not ran.success
    assert isinstance(ran.error, ZeroDivisionError)
    assert "ran" in ran.stdout
    assert "ZeroDivisionError" in ran.stdout and "----> 4 1 / 0" in ran.stdout
    # the namespace is as the cell left it
    assert isinstance(ip.user_ns["before"], engine.Tensor)
    assert "after" not in ip.user_ns


def test_a_failed_last_expression_fails_the_cell(grad):
    ran = grad("x = 1\nx.nope")
    assert not ran.success and isinstance(ran.error, AttributeError)


def test_a_syntax_error_fails_the_cell(ip, grad):
    ran = grad("x = (1,")
    assert not ran.success and isinstance(ran.error, SyntaxError)
    assert "x" not in ip.user_ns


def test_functions_defined_in_the_cell_see_user_globals(ip, grad):
    ran = grad("k = 3\ndef f(v):\n    return v * k\nf(2)")
    assert ran.success and ran.result.result == 6
