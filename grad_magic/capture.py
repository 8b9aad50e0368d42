"""`torch` means the engine while a `%%grad` cell runs, and nothing else changes.

Inside the cell the name `torch`, `import torch`, `import torch.autograd`,
`import torch.nn.functional as F` and `from torch.autograd.function import Function` all give the
engine's modules. Afterwards every `torch` / `torch.*` entry of `sys.modules` is exactly as before
(absent, or a real PyTorch imported by plain cells), also when the cell raises.

The name `torch` in the user's namespace: inside the cell it is the engine. Afterwards it goes back
to what plain cells had made it (a real PyTorch, or unbound), with one exception: when it was
unbound and the cell itself bound it (`import torch`), the user's own import stays, so that plain
cells which follow the seed keep working on the engine's tensors.
"""
import ast
import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

_MISSING = object()


def _is_torch_name(name):
    return name == "torch" or name.startswith("torch.")


class _ExistingModuleLoader(importlib.abc.Loader):
    """Hands the import system a module that already exists, leaving it as it was."""

    def __init__(self, module):
        self.module = module
        self.spec = getattr(module, "__spec__", None)

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        module.__spec__ = self.spec  # the import system set it to the alias's spec


class _EngineFinder(importlib.abc.MetaPathFinder):
    """Finds `torch.X.Y` as the engine's module `X.Y` (an attribute, or `engine.X.Y` imported)."""

    def __init__(self, engine):
        self.engine = engine

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith("torch."):
            return None
        module = self._engine_module(fullname.split(".")[1:])
        if module is None:
            return None  # the import system goes on and reports "No module named 'torch.X'"
        return importlib.machinery.ModuleSpec(fullname, _ExistingModuleLoader(module))

    def _engine_module(self, parts):
        module = self.engine
        for depth, part in enumerate(parts):
            child = getattr(module, part, None)
            if not isinstance(child, ModuleType):
                name = ".".join([self.engine.__name__, *parts[: depth + 1]])
                try:
                    child = importlib.import_module(name)
                except ModuleNotFoundError as error:
                    if error.name == name:
                        return None
                    raise
            module = child
        return module


class TorchAlias:
    """Context manager: `torch` is the engine inside, and `sys.modules` is restored on the way out."""

    def __init__(self, engine, user_ns, cell_source=""):
        self.engine = engine
        self.user_ns = user_ns
        self.cell_binds_torch = binds_torch(cell_source)
        self._finder = _EngineFinder(engine)

    def __enter__(self):
        prefix = self.engine.__name__ + "."
        self._saved_modules, aliases = {}, {"torch": self.engine}
        for name, module in list(sys.modules.items()):
            if name.startswith("torch") and _is_torch_name(name):
                self._saved_modules[name] = module
            elif name.startswith(prefix):
                aliases["torch." + name[len(prefix):]] = module
        for name in self._saved_modules:
            del sys.modules[name]
        sys.modules.update(aliases)
        sys.meta_path.insert(0, self._finder)
        self._saved_name = self.user_ns.get("torch", _MISSING)
        self.user_ns["torch"] = self.engine
        return self

    def __exit__(self, *exc_info):
        sys.meta_path.remove(self._finder)
        for name in [k for k in sys.modules if _is_torch_name(k)]:
            del sys.modules[name]
        sys.modules.update(self._saved_modules)
        self._restore_name()
        return False

    def _restore_name(self):
        if self.user_ns.get("torch", _MISSING) is not self.engine:
            return  # the cell bound `torch` to something of its own: that stays
        if self._saved_name is not _MISSING:
            self.user_ns["torch"] = self._saved_name
        elif not self.cell_binds_torch:
            del self.user_ns["torch"]


def binds_torch(source):
    """Whether a cell's code binds the name `torch` itself (`import torch`, `import torch.nn`...)."""
    if "torch" not in source:
        return False
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.partition(".")[0]
                if bound == "torch":
                    return True
    return False
