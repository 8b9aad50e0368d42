"""`%grad` and `%%grad`: options parsed here, the work done by grad_magic.cell."""
from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from . import cell as grad_cell
from .settings import RENDERERS, Settings, describe


def _root_names(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    bad = [name for name in names if not name.isidentifier()]
    if bad or not names:
        raise UsageError(f"--roots takes names separated by commas, like --roots loss,y (got {text!r})")
    return names


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
        try:
            grad_cell.run_cell(self.shell, cell, settings, device=args.device, roots=roots)
        except grad_cell.OptionError as error:
            raise UsageError(str(error)) from None

    def _configure(self, args):
        if args.roots is not None:
            raise UsageError("--roots is for a cell: %%grad --roots a,b")
        settings = _with_options(Settings() if args.reset else self.settings, args)
        engine = grad_cell.engine_module()
        if args.device is not None:
            try:
                engine.set_default_device(args.device)
            except RuntimeError as error:
                raise UsageError(str(error)) from None
        self.settings = settings
        print(describe(self.settings, engine))
