"""Inside %%grad `torch` is the engine; outside, sys.modules and plain cells' `torch` are untouched."""
import sys

import engine
import pytest

IMPORTS = """
import torch
import torch.autograd
import torch.nn.functional as F
from torch.autograd.function import Function
from torch import nn
seen = (torch, torch.autograd, F, Function, nn)
"""


def torch_modules():
    return {name: module for name, module in sys.modules.items() if name == "torch" or name.startswith("torch.")}


def test_every_spelling_of_torch_gives_the_engine(ip, grad):
    ran = grad(IMPORTS)
    assert ran.success, ran.stdout
    torch, autograd, functional, function, nn = ip.user_ns["seen"]
    assert torch is engine
    assert autograd is engine.autograd
    assert functional is engine.nn.functional
    assert function is engine.autograd.function.Function
    assert nn is engine.nn


def test_the_name_torch_is_the_engine_without_an_import(ip, grad):
    ran = grad("t = torch.ones(2)\nsame = torch is __import__('engine')")
    assert ran.success and ip.user_ns["same"] is True
    assert "torch" not in ip.user_ns  # we bound it for the cell only


def test_sys_modules_is_exactly_as_before(ip, grad):
    before = dict(sys.modules)
    assert grad(IMPORTS).success
    assert torch_modules() == {k: v for k, v in before.items() if k == "torch" or k.startswith("torch.")}
    assert all(sys.modules.get(name) is module for name, module in before.items())


def test_a_real_pytorch_imported_before_is_untouched(ip, grad, run):
    real = pytest.importorskip("torch")
    assert real is not engine
    before = torch_modules()
    assert grad(IMPORTS).success
    assert torch_modules() == before
    assert all(sys.modules[name] is module for name, module in before.items())
    ran = run("import torch\nkind = type(torch.ones(1)).__module__")
    assert ran.success and ip.user_ns["torch"] is real and ip.user_ns["kind"] == "torch"


def test_sys_modules_is_restored_when_the_cell_raises(ip, grad):
    pytest.importorskip("torch")
    before = torch_modules()
    ran = grad(IMPORTS + "\nraise ValueError('boom')")
    assert not ran.success and isinstance(ran.error, ValueError)
    assert torch_modules() == before
    assert ip.user_ns["seen"][0] is engine  # the namespace is as the cell left it


def test_a_missing_engine_module_is_a_plain_import_error(grad):
    ran = grad("import torch.no_such_module")
    assert isinstance(ran.error, ModuleNotFoundError)
    assert "torch.no_such_module" in str(ran.error)


# --- the name `torch` in the user's namespace after the cell -------------------------------------
def test_an_import_in_the_cell_stays_when_torch_was_unbound(ip, grad, run):
    assert grad("import torch").success
    assert ip.user_ns["torch"] is engine
    ran = run("x = torch.ones(2, requires_grad=True)\nwith torch.no_grad():\n    flag = (x * 2).requires_grad")
    assert ran.success and ip.user_ns["flag"] is False


def test_a_real_pytorch_bound_by_plain_cells_comes_back(ip, grad, run):
    real = pytest.importorskip("torch")
    assert run("import torch").success
    assert grad("import torch\ninside = torch").success
    assert ip.user_ns["inside"] is engine
    assert ip.user_ns["torch"] is real


def test_later_grad_cells_see_the_engine_again(ip, grad, run):
    real = pytest.importorskip("torch")
    assert grad("import torch").success
    assert run("import torch").success  # a plain cell binds the real one
    assert grad("inside = torch").success
    assert ip.user_ns["inside"] is engine and ip.user_ns["torch"] is real


def test_a_cell_binding_torch_to_something_else_keeps_it(ip, grad):
    assert grad("torch = 'mine'").success
    assert ip.user_ns["torch"] == "mine"
