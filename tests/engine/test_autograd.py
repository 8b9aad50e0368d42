"""Autograd against PyTorch: backward and grad, graph retention, grad modes, hooks, the graph's
introspection, saved tensors, custom Functions and gradcheck.

Most tests run one scenario `fn(lib)` with `lib` the engine and then torch and compare what it
reports; some check a property of the engine alone (identity of graph objects, deep graphs).
"""
import gc
import weakref

import numpy as np
import pytest

import engine

torch = pytest.importorskip("torch")

BACKWARD_TWICE = "Trying to backward through the graph a second time"


def plain(value):
    """Tensors as (dtype, values) and nodes as their names, recursively, to compare libraries."""
    if isinstance(value, (engine.Tensor, torch.Tensor)):
        # 6 significant digits: numpy's and PyTorch's float32 exp may differ in the last bit
        values = np.vectorize(lambda v: float(f"{v:.6g}"), otypes=[float])(value.detach().cpu().numpy())
        return str(value.dtype), values.tolist(), value.requires_grad
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if hasattr(value, "next_functions"):
        return "node", type(value).__name__
    if isinstance(value, BaseException):
        return "error", type(value).__name__, str(value)
    return value


def same_in_both(scenario):
    """Run `scenario(lib)` on both libraries; an exception counts as its result."""
    results = []
    for lib in (engine, torch):
        try:
            results.append(plain(scenario(lib)))
        except Exception as error:  # noqa: BLE001 - compared like a result
            results.append(plain(error))
    assert results[0] == results[1]
    return results[0]


# --- backward ---------------------------------------------------------------------------------------
def test_scalar_backward_and_accumulation():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()  # accumulates into the same .grad
        return first, x.grad

    assert same_in_both(scenario)[1][1][1] == [5.0, 7.0]


def test_backward_with_gradient_argument():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        y.backward(lib.tensor([0.1, 1.0, 0.0001]))
        return x.grad

    same_in_both(scenario)


@pytest.mark.parametrize(
    "gradient",
    [
        "lib.tensor([1.0, 1.0, 1.0])",
        "lib.tensor([1, 1])",
        "lib.tensor([1.0, 1.0], dtype=lib.float64)",
        "[1.0, 1.0]",
        "None",
    ],
)
def test_backward_gradient_checks(gradient):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        try:
            y.backward(eval(gradient))
        except Exception as error:  # noqa: BLE001
            # a refused call changes nothing: the graph still works afterwards
            assert x.grad is None
            y.backward(lib.tensor([1.0, 10.0]))
            return error, x.grad
        return x.grad

    same_in_both(scenario)


def test_scalar_backward_with_gradient_shapes():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        results = []
        for gradient in (lib.tensor(3.0), lib.tensor([3.0])):
            try:
                (x * 2).sum().backward(gradient)
                results.append(x.grad.clone())
            except RuntimeError as error:
                results.append(error)
        return results

    same_in_both(scenario)


def test_backward_of_non_scalar_without_gradient():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * 2).backward()

    result = same_in_both(scenario)
    assert result == ("error", "RuntimeError", "grad can be implicitly created only for scalar outputs")


def test_backward_of_a_tensor_without_grad():
    def scenario(lib):
        (lib.tensor([1.0, 2.0]) * 2).sum().backward()

    result = same_in_both(scenario)
    assert result[2] == "element 0 of tensors does not require grad and does not have a grad_fn"


def test_backward_of_a_leaf():
    def scenario(lib):
        x = lib.tensor(2.0, requires_grad=True)
        x.backward()
        x.backward()
        return x.grad

    same_in_both(scenario)


def test_backward_twice_needs_retain_graph():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward()  # the graph is still there
        after_two = x.grad.clone()
        try:
            y.backward()
        except RuntimeError as error:
            return after_two, error, x.grad

    result = same_in_both(scenario)
    assert result[1][1][2].startswith(BACKWARD_TWICE)


@pytest.mark.parametrize(
    "expr, frees",
    [
        ("x * x", True),
        ("x * 2", True),  # the 2 is saved, as a 0-d tensor, and freed
        ("x.exp()", True),
        ("x / 3", True),
        ("x + 2", False),  # nothing saved: a second backward works
        ("-x", False),
        ("x.sum()", False),
    ],
)
def test_second_backward_through_each_kind_of_node(expr, frees):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = eval(expr).sum()
        y.backward()
        try:
            y.backward()
        except RuntimeError as error:
            return "refused", str(error)[:50], x.grad
        return "ran", x.grad

    assert (same_in_both(scenario)[1][0] == "refused") == frees


def test_saved_tensors_freed_after_backward_unless_retained():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        kept = x.exp()
        kept.sum().backward(retain_graph=True)
        still_there = kept.grad_fn._saved_result
        freed = x.exp()
        freed.sum().backward()
        try:
            freed.grad_fn._saved_result
        except RuntimeError as error:
            return still_there, error

    result = same_in_both(scenario)
    assert result[1][1][2].startswith(BACKWARD_TWICE)


def test_saved_values_of_live_and_freed_nodes_of_one_class():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        freed, live = x * 2, x * 3  # MulBackward0 both, with a number saved as a 0-d tensor
        before = freed.grad_fn._saved_other
        freed.sum().backward()
        errors = []
        for name in ("_saved_other", "_saved_self"):
            try:
                getattr(freed.grad_fn, name)
            except RuntimeError as error:
                errors.append(error)
        squared = x * x  # a MulBackward0 made after one was freed keeps its own saved tensors
        return before, errors, live.grad_fn._saved_other, live.grad_fn._saved_self, squared.grad_fn._saved_other

    same_in_both(scenario)


def test_freed_saved_tensors_stay_listed():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.sum().backward()
        names = sorted(a for a in dir(y.grad_fn) if a.startswith("_saved_"))
        errors = []
        for name in names:
            try:
                getattr(y.grad_fn, name)
            except RuntimeError as error:
                errors.append(str(error)[:50])
        return names, errors

    assert same_in_both(scenario)[1][0] == ("list", ["_saved_other", "_saved_self"])


@pytest.mark.parametrize("retain", [False, True])
def test_saved_intermediates_released_after_backward(retain):
    """An intermediate only the graph still holds is let go once backward has used it."""
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its result, y
    alive = weakref.ref(y)
    z = y.sum()
    del y
    gc.collect()
    assert alive() is not None
    z.backward(retain_graph=retain)
    gc.collect()
    assert (alive() is not None) == retain


def test_create_graph_keeps_a_differentiable_grad():
    def scenario(lib):
        x = lib.tensor(2.0, requires_grad=True)
        (x ** 3).backward(create_graph=True)
        first = x.grad
        return first, first.grad_fn is not None

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns about the grad-to-parameter cycle
        same_in_both(scenario)


def test_backward_inputs():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        (x * y).sum().backward(inputs=[x])
        only_x = x.grad, y.grad
        m = x * 2
        (m * m).sum().backward(inputs=[m])
        try:
            (x * 2).sum().backward(inputs=[])
        except RuntimeError as error:
            return only_x, m.grad, x.grad, error

    same_in_both(scenario)


def test_autograd_backward_function():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        lib.autograd.backward([y], [lib.ones(2)])
        lib.autograd.backward(y.sum())
        z = x * 2
        lib.autograd.backward([y.sum(), z.sum()])
        return x.grad

    same_in_both(scenario)


# --- autograd.grad --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, fn",
    [
        ("cube", lambda x: x ** 3),
        ("sin", lambda x: x.sin()),
        ("tanh", lambda x: x.tanh()),
        ("exp*x", lambda x: x.exp() * x),
        ("sigmoid", lambda x: x.sigmoid()),
        ("log", lambda x: (x * x).log()),
    ],
)
def test_second_derivative(name, fn):
    def scenario(lib):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        (first,) = lib.autograd.grad(fn(x).sum(), x, create_graph=True)
        (second,) = lib.autograd.grad(first.sum(), x, create_graph=True)
        (third,) = lib.autograd.grad(second.sum(), x)
        return first.grad_fn is not None, [np.round(t.detach().cpu().numpy(), 5).tolist() for t in (first, second, third)]

    same_in_both(scenario)


def test_mixed_second_derivative_of_a_product_of_two_leaves():
    def scenario(lib):
        x = lib.tensor(2.0, requires_grad=True)
        y = lib.tensor(3.0, requires_grad=True)
        (gx,) = lib.autograd.grad(x * y * x, x, create_graph=True)
        gxy, gxx = lib.autograd.grad(gx, [y, x])
        return gx, gxy, gxx

    result = same_in_both(scenario)
    assert [r[1] for r in result[1]] == [12.0, 4.0, 6.0]


def test_grad_does_not_touch_dot_grad():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        grads = lib.autograd.grad((x * x).sum(), x)
        return grads, x.grad

    same_in_both(scenario)


def test_grad_allow_unused_and_materialize():
    def scenario(lib):
        x = lib.tensor(2.0, requires_grad=True)
        y = lib.tensor(3.0, requires_grad=True)
        unused = lib.autograd.grad(x * 2, [x, y], allow_unused=True)
        zeros = lib.autograd.grad(x * 2, [x, y], materialize_grads=True)
        try:
            lib.autograd.grad(x * 2, [x, y])
        except RuntimeError as error:
            return unused, zeros, error

    same_in_both(scenario)


def test_grad_of_an_input_without_grad():
    def scenario(lib):
        x = lib.tensor(2.0, requires_grad=True)
        lib.autograd.grad(x * 2, [lib.tensor(2.0)])

    same_in_both(scenario)


def test_grad_with_grad_outputs_and_non_leaf_input():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        m = x * 3
        y = m * m
        return lib.autograd.grad(y, [m, x], grad_outputs=lib.tensor([1.0, 0.5]))

    same_in_both(scenario)


def test_grad_retain_graph():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        first = lib.autograd.grad(y, x, retain_graph=True)
        second = lib.autograd.grad(y, x)
        try:
            lib.autograd.grad(y, x)
        except RuntimeError as error:
            return first, second, str(error)[:50]

    same_in_both(scenario)


# --- grad modes -----------------------------------------------------------------------------------------
def test_grad_mode_context_managers():
    def scenario(lib):
        seen = [lib.is_grad_enabled()]
        x = lib.ones(1, requires_grad=True)
        with lib.no_grad():
            seen.append(lib.is_grad_enabled())
            seen.append((x * 2).requires_grad)
            with lib.enable_grad():
                seen.append(lib.is_grad_enabled())
                seen.append((x * 2).requires_grad)
            seen.append(lib.is_grad_enabled())
        with lib.set_grad_enabled(False):
            seen.append(lib.is_grad_enabled())
        seen.append(lib.is_grad_enabled())
        with lib.autograd.no_grad():
            seen.append(lib.autograd.grad_mode.is_grad_enabled() if lib is engine else lib.is_grad_enabled())
        return seen

    assert same_in_both(scenario)[1] == [True, False, False, True, True, False, False, True, False]


def test_grad_modes_restored_after_exceptions():
    def scenario(lib):
        seen = []
        # (set_grad_enabled switches at construction, as in PyTorch: build each when used)
        for make_context in (lambda: lib.no_grad(), lambda: lib.set_grad_enabled(False)):
            try:
                with make_context():
                    raise KeyError
            except KeyError:
                seen.append(lib.is_grad_enabled())
        with lib.no_grad():
            try:
                with lib.enable_grad():
                    raise KeyError
            except KeyError:
                seen.append(lib.is_grad_enabled())

        @lib.no_grad()
        def boom():
            raise ValueError

        try:
            boom()
        except ValueError:
            seen.append(lib.is_grad_enabled())
        return seen

    assert same_in_both(scenario)[1] == [True, True, False, True]


def test_grad_modes_as_decorators():
    def scenario(lib):
        x = lib.ones(1, requires_grad=True)

        @lib.no_grad()
        def called(x):
            return (x * 2).requires_grad, lib.is_grad_enabled()

        @lib.no_grad
        def bare(x):
            return (x * 2).requires_grad

        @lib.enable_grad()
        def enabled(x):
            return (x * 2).requires_grad

        @lib.set_grad_enabled(False)
        def disabled(x):
            return (x * 2).requires_grad

        with lib.no_grad():
            inside = enabled(x)
        return called(x), bare(x), inside, disabled(x), lib.is_grad_enabled(), called.__name__

    assert same_in_both(scenario)[1] == [
        ("tuple", [False, False]), False, True, False, True, "called",
    ]


def test_set_grad_enabled_as_a_function():
    def scenario(lib):
        lib.set_grad_enabled(False)
        off = lib.is_grad_enabled(), (lib.ones(1, requires_grad=True) * 2).requires_grad
        lib.set_grad_enabled(True)
        return off, lib.is_grad_enabled()

    try:
        same_in_both(scenario)
    finally:
        engine.set_grad_enabled(True)
        torch.set_grad_enabled(True)


# --- hooks ---------------------------------------------------------------------------------------------
def test_tensor_hooks_on_a_leaf():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        seen = []
        handle = x.register_hook(lambda g: seen.append(g.clone()))
        x.register_hook(lambda g: g * 10)  # its return replaces the gradient
        (x * 3).sum().backward()
        handle.remove()
        x.grad = None
        (x * 3).sum().backward()
        return seen, x.grad

    same_in_both(scenario)


def test_tensor_hooks_on_a_non_leaf():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        seen = []
        y.register_hook(lambda g: seen.append(g))
        y.register_hook(lambda g: g * 100)
        (y * y).sum().backward()
        return seen, x.grad

    same_in_both(scenario)


def test_retain_grad_on_non_leaves():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        z = (y * y).sum()
        z.retain_grad()
        z.backward()
        return y.grad, z.grad, x.grad, y.retains_grad

    same_in_both(scenario)


def test_retain_grad_sees_what_hooks_registered_before_it_return():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * 10)
        y.retain_grad()
        y.sum().backward()
        return y.grad, x.grad

    same_in_both(scenario)


def test_node_hooks():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        calls = []
        y.grad_fn.register_prehook(lambda grad_outputs: calls.append(("pre", grad_outputs)))
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: calls.append(("post", grad_inputs, grad_outputs)))
        y.sum().backward()
        return calls

    same_in_both(scenario)


def test_node_hooks_replace_gradients():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
        y.sum().backward()
        pre = x.grad.clone()
        x.grad = None
        y = x * 2
        handle = y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] + 1, grad_inputs[1]))
        y.sum().backward(retain_graph=True)
        post = x.grad.clone()
        handle.remove()
        y.sum().backward()
        return pre, post, x.grad

    same_in_both(scenario)


def halves(grad):  # a named hook: PyTorch's messages name it
    return grad[:1]


HOOK_RESULTS = {
    "another dtype": lambda lib: lambda grad: grad.double(),
    "another size": lambda lib: halves,
    "a 0-d tensor": lambda lib: lambda grad: grad.sum(),
    "not a tensor": lambda lib: lambda grad: [1.0, 2.0],
}


def _names_the_device(case):
    """A case whose message names the tensor type, which includes the device (torch.cuda.FloatTensor)."""
    return pytest.param(case, marks=pytest.mark.cpu_only) if case == "another dtype" else case


@pytest.mark.parametrize("result", [_names_the_device(case) for case in HOOK_RESULTS])
@pytest.mark.parametrize("on", ["leaf", "non-leaf", "leaf root"])
def test_a_tensor_hook_may_not_change_a_gradients_kind_or_size(on, result):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2 if on == "non-leaf" else x
        y.register_hook(HOOK_RESULTS[result](lib))
        if on == "leaf root":
            x.backward(lib.ones(2))
        else:
            (y * 3).sum().backward()
        return x.grad

    same_in_both(scenario)


@pytest.mark.parametrize("kind", ["prehook", "hook"])
@pytest.mark.parametrize(
    "result", [_names_the_device(case) for case in ("a list", "too few", "another dtype", "another size", "replacing a None")]
)
def test_a_node_hook_may_not_change_the_gradients_number_kind_or_size(kind, result):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2  # MulBackward0 has two inputs, the second (the number) without a gradient
        replace = {
            "a list": lambda grads: list(grads),
            "too few": lambda grads: grads[:1],
            "another dtype": lambda grads: (grads[0].double(),) + grads[1:],
            "another size": lambda grads: (grads[0][:1],) + grads[1:],
            "replacing a None": lambda grads: grads[:1] + (lib.ones(2),),
        }[result]
        if kind == "prehook":
            if result == "replacing a None":
                return None  # a node's one incoming gradient is never None here
            y.grad_fn.register_prehook(replace)
        else:
            y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: replace(grad_inputs))
        y.sum().backward()
        return x.grad

    same_in_both(scenario)


def test_a_root_gradient_is_cast_to_the_roots_dtype():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.backward(lib.ones(2, dtype=lib.float64))
        y = x * 1
        y.backward(lib.ones(2, dtype=lib.float64))
        return x.grad

    same_in_both(scenario)


def test_setting_data_gives_new_graphs_a_leaf_of_the_new_shape_and_dtype():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * 2).sum()
        x.data = lib.tensor([1.0, 2.0], dtype=lib.float64)
        y.backward()  # a graph made before: the gradient keeps the shape and dtype x had then
        before = x.grad
        x.grad = None
        (x * 3).sum().backward()
        after = x.grad
        x.data = lib.tensor([[1.0], [2.0], [3.0]], dtype=lib.float64)
        x.grad = None
        (x * 4).sum().backward()
        return before, after, x.grad

    same_in_both(scenario)


# --- the graph, as introspection shows it ---------------------------------------------------------------
def test_next_functions_identity():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    (left, _), (right, _) = y.grad_fn.next_functions
    assert left is right  # one AccumulateGrad per leaf
    assert left.variable is x
    assert (x + 1).grad_fn.next_functions[0][0] is left
    z = y * y
    assert z.grad_fn.next_functions[0][0] is z.grad_fn.next_functions[1][0] is y.grad_fn
    assert left.next_functions == ()


def test_node_names_and_metadata():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        acc = y.grad_fn.next_functions[0][0]
        before = dict(y.grad_fn.metadata)
        y.grad_fn.metadata["note"] = 1
        return (acc.name(), type(acc).__name__, y.grad_fn.name(), before, y.grad_fn.metadata,
                acc.metadata, y.grad_fn.requires_grad if lib is engine else True)

    assert same_in_both(scenario)[1][0] == "torch::autograd::AccumulateGrad"


@pytest.mark.parametrize(
    "expr",
    ["x.sin()", "x.exp()", "x * y", "x * 2", "x / y", "x ** 2", "2 ** x", "x ** y", "x.clamp(0, 1)",
     "x.relu()", "x.tanh()", "x.sigmoid()", "torch.maximum(x, y)", "torch.where(x > 1, x, y)",
     "x.masked_fill(x > 1, 0.0)", "x + y", "x - 2"],
)
def test_saved_values(expr):
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([0.5, 3.0], requires_grad=True)
        node = eval(expr, {"torch": lib, "x": x, "y": y}).grad_fn
        names = sorted(a for a in dir(node) if a.startswith("_saved_"))
        values = {name: getattr(node, name) for name in names}
        identities = {name: value is x or value is y for name, value in values.items()}
        return names, values, identities

    same_in_both(scenario)


def test_node_can_be_called_directly():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        return y.grad_fn(lib.tensor([1.0, 1.0]))

    same_in_both(scenario)


def test_deep_chain_backward_has_no_recursion_limit():
    x = engine.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


# --- custom Functions ------------------------------------------------------------------------------------
def _mul_constant(lib):
    class MulConstant(lib.autograd.Function):
        @staticmethod
        def forward(ctx, tensor, constant):
            ctx.constant = constant
            return tensor * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    return MulConstant


def test_function_importable_from_both_places():
    from engine.autograd import Function
    from engine.autograd.function import Function as FunctionToo

    assert Function is FunctionToo is engine.autograd.function.Function


def test_custom_function_basics():
    def scenario(lib):
        a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        b = _mul_constant(lib).apply(a, 5)
        node = b.grad_fn
        facts = (b, node.name(), type(node).__name__, node.next_functions, node.needs_input_grad,
                 repr(b).endswith("grad_fn=<MulConstantBackward>)"))
        b.backward(lib.ones_like(a))
        return facts, a.grad

    same_in_both(scenario)


def test_custom_function_saved_tensors():
    def scenario(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                (result,) = ctx.saved_tensors
                return grad_output * result

        x = lib.tensor([0.0, 1.0], requires_grad=True)
        y = Exp.apply(x)
        y.sum().backward()
        try:
            y.grad_fn.saved_tensors
        except RuntimeError as error:
            return y, x.grad, error

    same_in_both(scenario)


def test_custom_function_forward_runs_without_grad_and_needs_input_grad():
    def scenario(lib):
        seen = []

        class Product(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                seen.append(("forward", lib.is_grad_enabled()))
                return x * y

            @staticmethod
            def backward(ctx, grad):
                seen.append(("needs", ctx.needs_input_grad))
                return grad, grad

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([1.0, 2.0])
        z = Product.apply(x, y)
        z.sum().backward()
        w = Product.apply(y, y)
        return seen, z.grad_fn.next_functions, x.grad, y.grad, w.requires_grad, w.grad_fn

    same_in_both(scenario)


def test_custom_function_with_two_outputs():
    def scenario(lib):
        class Split(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.k = k
                return x * k, x + k

            @staticmethod
            def backward(ctx, grad_a, grad_b):
                return grad_a * ctx.k + grad_b, None

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        a, b = Split.apply(x, 3.0)
        facts = a.grad_fn is b.grad_fn, a.output_nr, b.output_nr
        (a.sum() + b.sum()).backward()
        both = x.grad.clone()
        x.grad = None
        a, b = Split.apply(x, 3.0)
        a.sum().backward()  # b's gradient is materialized as zeros
        return facts, both, x.grad

    same_in_both(scenario)


def test_custom_function_double_backward():
    def scenario(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 2 * x * grad

        x = lib.tensor(3.0, requires_grad=True)
        (first,) = lib.autograd.grad(Square.apply(x), x, create_graph=True)
        (second,) = lib.autograd.grad(first, x)
        return first, second

    same_in_both(scenario)


@pytest.mark.parametrize(
    "returned",
    ["grad", "(grad,)", "(grad, None, None)", "(grad, grad)", "(grad, None, grad)"],
)
def test_custom_function_gradient_count(returned):
    def scenario(lib):
        class F(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, grad):
                return eval(returned)

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        F.apply(x, 2.0).sum().backward()
        return x.grad

    same_in_both(scenario)


def test_custom_function_returning_its_input():
    def scenario(lib):
        class Identity(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, grad):
                return grad * 2

        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = Identity.apply(x)
        facts = y is x, y.grad_fn.name(), x.is_leaf
        y.sum().backward()
        return facts, x.grad

    same_in_both(scenario)


# --- gradcheck -----------------------------------------------------------------------------------------
def _square_with_backward(lib, factor):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return factor * grad * x

    return Square


def test_gradcheck_accepts_a_right_backward_and_catches_a_wrong_one():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        right = lib.autograd.gradcheck(_square_with_backward(lib, 2).apply, (x,))
        quiet = lib.autograd.gradcheck(_square_with_backward(lib, 1).apply, (x,), raise_exception=False)
        try:
            lib.autograd.gradcheck(_square_with_backward(lib, 1).apply, (x,))
        except RuntimeError as error:
            return right, quiet, type(error).__name__, str(error).split("\n")[0]

    result = same_in_both(scenario)
    assert result[1][:3] == [True, False, "GradcheckError"]


def test_gradcheck_several_inputs_and_outputs():
    def fn(x, y):
        return x * y.sin(), (x + y).exp()

    x = engine.tensor([0.3, -1.2], dtype=engine.float64, requires_grad=True)
    y = engine.tensor([2.0, 0.7], dtype=engine.float64, requires_grad=True)
    assert engine.autograd.gradcheck(fn, (x, y))
    z = engine.tensor([0.5, 0.25], dtype=engine.float64)  # needs no grad: skipped
    assert engine.autograd.gradcheck(lambda x, z: x * z, (x, z))


# --- errors leave everything as it was ------------------------------------------------------------------
def test_refused_backward_changes_nothing():
    def scenario(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x) * 2
        node = y.grad_fn
        results = []
        for bad in (lambda: y.backward(), lambda: y.backward(lib.ones(3)),
                    lambda: lib.autograd.grad(y, [lib.tensor(1.0)], lib.ones(2))):
            try:
                bad()
            except RuntimeError as error:
                results.append(type(error).__name__)
        results.append((x.grad, y.grad_fn is node))
        y.backward(lib.ones(2))  # the graph was not freed by the refused calls
        results.append(x.grad)
        return results

    same_in_both(scenario)
