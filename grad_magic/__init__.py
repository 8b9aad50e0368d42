"""grad_magic: see autograd at work in a notebook.

    %load_ext grad_magic
    %%grad
    x = torch.ones(2, 2, requires_grad=True)
    out = (3 * (x + 2) ** 2).mean()
    out.backward()

IPython and the widgets are imported only when the extension is loaded, so importing the engine
(or this package) never pulls them in.
"""
__version__ = "0.1.0"

_loaded = {}  # shell -> (our GradMagics, the magic table entries it replaced)


def load_ipython_extension(ipython):
    """`%load_ext grad_magic`: register `%grad` / `%%grad` (a second load changes nothing)."""
    if ipython in _loaded:
        return
    from .magics import GradMagics

    magics = GradMagics(ipython)
    manager = ipython.magics_manager
    replaced = {
        (kind, name): _not_ours(manager.magics[kind].get(name))
        for kind, names in magics.magics.items()
        for name in names
    }
    replaced[("registry", "GradMagics")] = _not_ours(manager.registry.get("GradMagics"))
    ipython.register_magics(magics)
    _loaded[ipython] = (magics, replaced)


def _not_ours(entry):
    """An entry of IPython's magic tables, or None when it is ours (left by `%reload_ext`)."""
    owner = getattr(entry, "__self__", entry)
    return None if type(owner).__name__ == "GradMagics" else entry


def unload_ipython_extension(ipython):
    """`%unload_ext grad_magic`: remove the magics, leaving the session as it was before loading."""
    if ipython not in _loaded:
        return
    _, replaced = _loaded.pop(ipython)
    manager = ipython.magics_manager
    for (kind, name), previous in replaced.items():
        table = manager.registry if kind == "registry" else manager.magics[kind]
        if previous is None:
            table.pop(name, None)
        else:
            table[name] = previous


def last_view():
    """The view of the latest `%%grad` cell (a CellView: `.to_dict()`, `.tensors`, `.graph`...), or None."""
    from .cell import latest_view

    return latest_view()
