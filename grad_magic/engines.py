"""Which autograd a `%%grad` cell runs on: grad_magic's own engine (the default) or a real PyTorch.

An Engine knows its module (what `torch` means in the cell), how to tell its tensors, and the
context a cell runs in. Ours aliases `torch` to the engine (grad_magic.capture.TorchAlias); a
real PyTorch needs no alias, only the name `torch` bound to it for the cell, and the name goes
back afterwards by TorchAlias's rule: what plain cells had made it, unless the cell bound it.
"""
import importlib
from dataclasses import dataclass

from .capture import TorchAlias, binds_torch

ENGINES = ("grad_magic", "torch")
_MISSING = object()


class EngineMissing(Exception):
    """The engine asked for is not installed (a real PyTorch, for `--engine torch`)."""


@dataclass(frozen=True)
class Engine:
    name: str  # one of ENGINES
    module: object  # what `torch` means inside the cell
    label: str  # how the widget names it: "PyTorch 2.13.0"

    def is_tensor(self, value):
        return isinstance(value, self.module.Tensor)

    def context(self, namespace, source):
        """The context a cell runs in: `torch` is this engine inside, as before outside."""
        if self.name == "grad_magic":
            return TorchAlias(self.module, namespace, source)
        return _TorchName(self.module, namespace, source)


def get(name):
    """The Engine called `name` (None: ours); EngineMissing when it is not installed."""
    if name in (None, "grad_magic"):
        import engine

        return Engine("grad_magic", engine, "grad_magic's engine")
    if name != "torch":
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {name!r}")
    try:
        torch = importlib.import_module("torch")
    except ImportError as error:
        raise EngineMissing(f"PyTorch is not installed here ({error}); pip install torch") from None
    return Engine("torch", torch, f"PyTorch {torch.__version__}")


class _TorchName:
    """Context manager: the user's name `torch` is `module` inside; restored as TorchAlias does."""

    def __init__(self, module, namespace, source):
        self.module, self.namespace = module, namespace
        self.cell_binds_torch = binds_torch(source)

    def __enter__(self):
        self._saved = self.namespace.get("torch", _MISSING)
        self.namespace["torch"] = self.module
        return self

    def __exit__(self, *exc_info):
        if self.namespace.get("torch", _MISSING) is not self.module:
            return False  # the cell bound `torch` to something of its own: that stays
        if self._saved is not _MISSING:
            self.namespace["torch"] = self._saved
        elif not self.cell_binds_torch:
            del self.namespace["torch"]
        return False
