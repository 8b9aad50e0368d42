"""The defaults `%%grad` cells use, which `%grad` shows and changes.

The device is the engine's own default device (`engine.set_default_device`), so the engine alone
decides what is possible; the other settings are the magic's.
"""
import shutil
from dataclasses import dataclass, fields, replace

RENDERERS = ("auto", "graphviz", "builtin")
GRAPHVIZ_FROM = 100  # nodes; see renderer_for


@dataclass
class Settings:
    max_nodes: int = 300  # graphs with more nodes are collapsed by build_graph
    graph: bool = True  # draw the backward graph
    widget: bool = True  # show the widget after the cell (off: `--quiet`)
    renderer: str = "auto"  # see renderer_for

    def updated(self, **changes):
        """A copy with the changes that are not None."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def as_dict(self):
        return {f.name: getattr(self, f.name) for f in fields(self)}


def engine_device(engine):
    get = getattr(engine, "get_default_device", None)
    return str(get()) if get is not None else "cpu"


def cuda_status(engine):
    try:
        available = bool(engine.cuda.is_available())
    except Exception as error:  # an engine without a cuda module, or a broken CuPy install
        return f"not available ({type(error).__name__}: {error})"
    return "available" if available else "not available (no CuPy or no GPU)"


def dot_binary():
    return shutil.which("dot")


def renderer_for(renderer, node_count):
    """The layout that draws a graph of `node_count` nodes: 'graphviz' or 'builtin'.

    Under 'auto', Graphviz draws graphs from GRAPHVIZ_FROM nodes on, when `dot` is installed;
    smaller ones are drawn by the builtin layout, since starting `dot` costs about 30 ms a cell.
    """
    if renderer != "auto":
        return renderer
    return "graphviz" if node_count >= GRAPHVIZ_FROM and dot_binary() else "builtin"


def renderer_status(renderer):
    dot = dot_binary()
    found = f"Graphviz `dot` at {dot}" if dot else "Graphviz `dot` not found"
    if renderer == "builtin":
        return f"builtin layout ({found})"
    if renderer == "graphviz":
        return f"graphviz ({found}{'' if dot else ', so the builtin layout is used'})"
    if dot is None:
        return f"auto: builtin layout ({found})"
    return f"auto: builtin layout below {GRAPHVIZ_FROM} nodes, {found} from {GRAPHVIZ_FROM} on"


def describe(settings, engine):
    """The lines `%grad` prints."""
    from . import __version__

    rows = [
        ("grad_magic", __version__),
        ("engine", getattr(engine, "__version__", "unknown")),
        ("device", f"{engine_device(engine)}  (change with %grad --device cpu|cuda)"),
        ("CUDA", cuda_status(engine)),
        ("renderer", renderer_status(settings.renderer)),
        ("max nodes", str(settings.max_nodes)),
        ("graph", "on" if settings.graph else "off"),
        ("widget", "on" if settings.widget else "off (--quiet)"),
    ]
    return "\n".join(f"{label:<11}{value}" for label, value in rows)
