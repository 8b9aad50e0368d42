""".T, .mT, .H and .mH against PyTorch: what each gives on 0-d to 3-d tensors (a view with its
grad_fn, the tensor itself, or an error), and the deprecation warnings, which PyTorch gives once
per process (TORCH_WARN_ONCE), so those are compared in a fresh interpreter for each library.
PyTorch's warnings end in "(Triggered internally at <its build path>)", which the engine leaves out.
"""
import json
import pathlib
import subprocess
import sys
import warnings

import pytest

import engine
import torch_oracle

torch = pytest.importorskip("torch")

SHAPES = [(), (3,), (2, 3), (2, 3, 4)]
NAMES = ["T", "mT", "H", "mH"]


def outcome(lib, shape, name):
    x = lib.arange(float(_numel(shape))).reshape(shape).requires_grad_()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            y = getattr(x, name)
        except Exception as error:  # noqa: BLE001 - the class and message are what is compared
            return type(error).__name__, str(error)
    node = y.grad_fn
    saved = {a: torch_oracle.signed(getattr(node, a)) for a in torch_oracle.saved_names(node)} if node else {}
    return (tuple(y.shape), y.tolist(), y is x, y._base is x, node.name() if node else None, saved)


def _numel(shape):
    count = 1
    for size in shape:
        count *= size
    return count


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_matrix_transpose_like_torch(shape, name):
    assert outcome(engine, shape, name) == outcome(torch, shape, name)


def test_transpose_of_a_view_reads_the_base():
    for lib in (engine, torch):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = lib.arange(24.0).reshape(2, 3, 4)
            assert x.T[1, 2, 0].item() == x[0, 2, 1].item()
            assert x.mH.tolist() == x.transpose(-2, -1).tolist()


# each line is run in order; the warnings it records are compared
WARNING_PROGRAM = """
import json, warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")  # TORCH_WARN_ONCE still warns once
    torch.ones(3).T
    torch.ones(3).T
    torch.ones(2, 3, 4).T
    torch.ones(2, 3).T
    torch.ones(2, 3).mT
    torch.ones(2, 3).H
    torch.ones(()).T
    torch.ones(()).T
    torch.ones(()).mT
    torch.ones(()).mH
    torch.ones(()).H
    torch.ones(()).mT
print(json.dumps([(w.category.__name__, str(w.message).split(" (Triggered internally")[0], w.lineno)
                  for w in caught]))
"""


def warnings_of(import_line):
    source = import_line + "\n" + WARNING_PROGRAM
    run = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=True,
                         cwd=pathlib.Path(engine.__file__).parent.parent)
    return json.loads(run.stdout)


def test_deprecation_warnings_like_torch():
    ours = warnings_of("import engine as torch")
    theirs = warnings_of("import torch")
    assert ours == theirs
    assert [line for _, _, line in ours] == [6, 12, 14, 15, 16]  # the user's line, once each
