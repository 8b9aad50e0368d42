"""`%grad` and `%%grad`: options parsed here, the work done by grad_magic.cell."""
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import cell as grad_cell
from .engines import ENGINES
from .settings import RENDERERS, Settings, describe

CELL_ONLY = ("roots", "engine", "compare", "interact")  # options that make sense for one cell only


def _names(option, text, example):
    names = [name.strip() for name in text.split(",") if name.strip()]
    bad = [name for name in names if not name.isidentifier()]
    if bad or not names:
        raise UsageError(f"--{option} takes names separated by commas, like --{option} {example} (got {text!r})")
    return names


def _root_names(text):
    return _names("roots", text, "loss,y")


def _cell_options(args):
    """The cell-only options, checked against each other: (engine, compare, interact names)."""
    if args.engine == "torch" and args.compare == "torch":
        raise UsageError("--compare torch compares our engine's run with PyTorch's; with --engine torch "
                         "the cell already runs on PyTorch")
    interact = _names("interact", args.interact, "x,w") if args.interact is not None else None
    if interact and args.quiet:
        raise UsageError("--interact shows sliders in the widget, which --quiet leaves out")
    return args.engine, args.compare, interact


def _with_options(settings, args):
    """The settings with the options given on the magic's line."""
    if args.max_nodes is not None and args.max_nodes < 1:
        raise UsageError(f"--max-nodes must be at least 1 (got {args.max_nodes})")
    return settings.updated(
        max_nodes=args.max_nodes,
        renderer=args.renderer,
        graph=False if args.no_graph else None,
        widget=False if args.quiet else None,
    )


@magics_class
class GradMagics(Magics):
    def __init__(self, shell):
        super().__init__(shell)
        self.settings = Settings()

    @magic_arguments()
    @argument("--device", metavar="DEVICE", help="cpu or cuda: the cell's device, or (line magic) the default of later cells")
    @argument("--no-graph", action="store_true", help="don't draw the backward graph")
    @argument("--quiet", action="store_true", help="show no widget (grad_magic.last_view() still gives the data)")
    @argument("--roots", metavar="A,B", help="(cell) the tensors whose graphs to draw; default: the cell's "
              "tensors whose graphs are not part of another's")
    @argument("--max-nodes", type=int, metavar="N", help="collapse graphs larger than N nodes (default 300)")
    @argument("--renderer", choices=RENDERERS, help="graph layout: graphviz's dot, the builtin one, or auto")
    @argument("--engine", choices=ENGINES, help="(cell) run on grad_magic's engine (default) or a real PyTorch")
    @argument("--compare", choices=("torch",), help="(cell) run the cell on PyTorch as well and list what differs")
    @argument("--interact", metavar="X,W", help="(cell) sliders for these small leaf tensors or numbers; "
              "moving one re-runs the cell with the new value")
    @argument("--reset", action="store_true", help="(line) back to the default settings")
    @line_cell_magic
    def grad(self, line="", cell=None):
        """See what autograd did in a cell: its tensors, the backward graph, the gradients.

        %%grad [options]  runs the cell as a normal cell, with `torch` meaning grad_magic's engine
        (the name `torch`, `import torch`, `import torch.nn.functional as F`, `from
        torch.autograd.function import Function`), then shows one widget: Tensors, Graph,
        Gradients. `sys.modules` is left exactly as it was, so a real PyTorch used by plain cells
        is untouched. The name `torch` goes back to what plain cells made it after the cell
        (a real PyTorch, or unbound); only when it was unbound and the cell ran `import torch`
        itself does it stay the engine, so plain cells can go on with the engine's tensors.

        A cell whose backward fails (a second backward, a tensor that needs no grad, a saved
        tensor changed in place) still shows the widget, which says in plain words what happened
        and which tensor and node it was about; the cell fails with the real exception.

        %%grad --engine torch  runs the cell on a real PyTorch (`torch` is PyTorch in the cell).
        %%grad --compare torch  runs it on both, ours in the user's namespace and PyTorch's in a
        copy, and lists every value or gradient that differs (the widget's Compare tab).
        %%grad --interact x,w  gives small leaf tensors (or numbers) sliders; moving one runs the
        cell again with that value, in place, and redraws the widget (no new In/Out entry).

        %grad [options]  prints the settings (engine, device, CUDA, renderer) and changes the
        defaults of later cells, e.g. `%grad --device cuda`.
        """
        __tracebackhide__ = True  # noqa: F841 - tracebacks go from the cell's line to the user's code
        args = parse_argstring(self.grad, line)
        if cell is None:
            return self._configure(args)
        if args.reset:
            raise UsageError("--reset is for the line magic: %grad --reset")
        settings = _with_options(self.settings, args)
        roots = _root_names(args.roots) if args.roots is not None else None
        engine, compare, interact = _cell_options(args)
        try:
            grad_cell.run_cell(self.shell, cell, settings, device=args.device, roots=roots,
                               engine=engine, compare=compare, interact=interact)
        except grad_cell.OptionError as error:
            raise UsageError(str(error)) from None

    def _configure(self, args):
        for option in CELL_ONLY:
            if getattr(args, option) is not None:
                raise UsageError(f"--{option} is for a cell: %%grad --{option} ...")
        settings = _with_options(Settings() if args.reset else self.settings, args)
        engine = grad_cell.engine_module()
        if args.device is not None:
            try:
                engine.set_default_device(args.device)
            except RuntimeError as error:
                raise UsageError(str(error)) from None
        self.settings = settings
        print(describe(self.settings, engine))
