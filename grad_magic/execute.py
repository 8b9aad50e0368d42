"""Running a cell magic's body the way IPython runs a cell, as `%%time` does.

IPython's input transformers first (so `%magics` and `!cmd` work inside), then its AST
transformers; the statements are executed in `user_ns` and the last expression is shown through
the display hook (so `Out[n]` and `_` work, and a trailing `;` silences it). Exceptions propagate
to IPython, which shows the traceback and marks the cell failed: no nested `run_cell`, which
would swallow them.
"""
import ast
from dataclasses import dataclass

from IPython.core.displayhook import DisplayHook


@dataclass
class PreparedCell:
    source: str  # the body as Python, after IPython's input transformers
    filename: str  # the name tracebacks show (IPython's "Cell In[n]")
    statements: object  # the compiled code of all but a final expression
    body: list  # those statements as AST (grad_magic.substitute compiles them in pieces)
    last_expression: object  # the compiled final expression, or None
    quiet: bool  # the cell ends with ';'


def cell_number(shell):
    """The number of the cell now running (IPython 9 counts it up before running it)."""
    result = getattr(shell.displayhook, "exec_result", None)
    number = getattr(result, "execution_count", None)
    return shell.execution_count if number is None else number


def prepare(shell, body, first_line=2):
    """Transform and compile a cell body whose first line is the cell's line `first_line`.

    Raises SyntaxError for code that doesn't parse.
    """
    padding = "\n" * (first_line - 1)  # so tracebacks give the line numbers of the whole cell
    source = padding + shell.transform_cell(body)
    filename = shell.compile.cache(source, cell_number(shell), raw_code=padding + body)
    tree = shell.transform_ast(shell.compile.ast_parse(source, filename))
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    return PreparedCell(
        source=source,
        filename=filename,
        statements=shell.compile(tree, filename, "exec"),
        body=tree.body,
        last_expression=None if last is None else shell.compile(last, filename, "eval"),
        quiet=DisplayHook.semicolon_at_end_of_expression(body),
    )


def run(shell, cell):
    """Execute a PreparedCell in the user's namespace; show its last expression as the cell's output."""
    __tracebackhide__ = True  # noqa: F841 - IPython leaves this frame out of tracebacks
    exec(cell.statements, shell.user_ns)
    if cell.last_expression is not None:
        value = eval(cell.last_expression, shell.user_ns)
        if not cell.quiet:
            shell.displayhook(value)
