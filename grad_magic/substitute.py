"""Running a cell with some named values swapped, at one place that is easy to explain.

`%%grad --interact x` re-runs a cell with the sliders' values in `x`; `--compare torch` runs it on
PyTorch with our run's random draws. Both swap a value right after the last top-level statement
of the cell that assigns its name, or before the first statement when the cell doesn't assign
it (the value then comes from an earlier cell). A whole `for`, `while`, `with`, `if` or `try`
block is one statement, so a name assigned inside a loop is swapped after the loop; names bound
inside functions, classes, lambdas and comprehensions are theirs, not the cell's.

The cell's statements are compiled in pieces cut at those places, under the cell's own file
name, so tracebacks and line numbers are those of the cell.
"""
import ast

BEFORE_ALL = -1  # the swap place of a name the cell doesn't assign

RANDOM_CALLS = frozenset({
    "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "normal",
    "bernoulli", "multinomial", "poisson", "uniform_", "normal_", "random_", "exponential_",
    "cauchy_", "log_normal_", "geometric_", "bernoulli_",
})


class SwapError(Exception):
    """A value can't be swapped: the name is unbound there, or holds something of another shape."""


# --- where -----------------------------------------------------------------------------------
def assigned_names(statement):
    """The names a top-level statement binds in the cell's namespace."""
    names = set()
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            stack.extend(node.decorator_list)  # the body binds names of its own
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name.partition(".")[0]) for a in node.names if a.name != "*")
        stack.extend(ast.iter_child_nodes(node))
    return names


def swap_places(body, names):
    """name -> index of the statement after which it is swapped (BEFORE_ALL: before the first)."""
    places = {name: BEFORE_ALL for name in names}
    for index, statement in enumerate(body):
        for name in assigned_names(statement) & places.keys():
            places[name] = index
    return places


def line_of(body, place):
    """The cell line a swap place follows (0: before the cell's first line)."""
    return 0 if place == BEFORE_ALL else body[place].end_lineno


def drawn_at_random(body, places):
    """The names whose swap place is a statement that calls a random factory (torch.randn, ...)."""
    return [name for name, place in places.items()
            if place != BEFORE_ALL and _calls_random(body[place])]


def _calls_random(statement):
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called in RANDOM_CALLS:
                return True
    return False


# --- running ---------------------------------------------------------------------------------
def run(shell, cell, namespace, places, at_place, display=True):
    """Execute a PreparedCell in `namespace`, calling `at_place(name)` at each name's swap place.

    display: show the last expression through the display hook (as the cell's Out), or only
    evaluate it (a re-run or a second engine's run leaves the history alone).
    """
    __tracebackhide__ = True  # noqa: F841 - tracebacks go from the cell's line to the user's code
    for name in _named_at(places, BEFORE_ALL):
        at_place(name)
    start = 0
    for place in sorted({p for p in places.values() if p != BEFORE_ALL}):
        _exec(shell, cell, cell.body[start:place + 1], namespace)
        start = place + 1
        for name in _named_at(places, place):
            at_place(name)
    _exec(shell, cell, cell.body[start:], namespace)
    if cell.last_expression is not None:
        value = eval(cell.last_expression, namespace)
        if display and not cell.quiet:
            shell.displayhook(value)


def _named_at(places, place):
    return [name for name, p in places.items() if p == place]


def _exec(shell, cell, statements, namespace):
    __tracebackhide__ = True  # noqa: F841
    if statements:
        module = ast.Module(body=list(statements), type_ignores=[])
        exec(shell.compile(module, cell.filename, "exec"), namespace)


# --- what -------------------------------------------------------------------------------------
def replacement(current, values, module, is_tensor):
    """A new value for `current`: a fresh leaf tensor holding `values` with the flags of
    `current` (dtype, device, requires_grad), or a Python number like it."""
    if is_tensor(current):
        if tuple(current.shape) != tuple(values.shape):
            raise SwapError(f"holds a tensor of shape {tuple(current.shape)}, not {tuple(values.shape)}")
        fresh = module.tensor(values, dtype=current.dtype, device=current.device)
        return fresh.requires_grad_(bool(current.requires_grad))
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise SwapError(f"holds a {type(current).__name__}, not a tensor or a number")
    return type(current)(values.item())
