"""A stand-in for CuPy, to prove on a machine without a GPU that no op lets numpy touch a device
array.

Its arrays keep a numpy array inside but refuse what CuPy's arrays refuse:
  * numpy cannot convert them: `numpy.asarray(x)` raises CuPy's own TypeError, and numpy's
    functions (`numpy.concatenate(...)`) and ufuncs (`numpy.exp(x)`) refuse them;
  * a host (numpy) array is no operand for them (`x + numpy_array` is a TypeError, as in CuPy),
    nor a value to store into them: moving data between host and device is done explicitly
    (`cupy.asarray(host_array)`, `x.get()`).
and behave as CuPy's do where numpy differs: reductions and integer indexing give 0-d arrays,
never numpy scalars; `asarray` of host data copies it (device memory is separate); numpy's
floating-point warnings stay silent. The values are numpy's, so results match the CPU exactly.

The module offers only the numpy names that CuPy has too, and only those the engine may use: an op
reaching for anything else fails here, before it can fail on a GPU.

`install()` puts this module into sys.modules as `cupy`, with `cupyx` (scatter_add,
scipy.special.erf), so that engine.backend loads it exactly as it loads the real one.
"""
import math
import operator
import sys
import types

import numpy

IMPLICIT_CONVERSION = (
    "Implicit conversion to a NumPy array is not allowed. "
    "Please use `.get()` to construct a NumPy array explicitly."
)


class ndarray:  # noqa: N801 - CuPy's name
    """A device array: a numpy array that numpy itself may not see."""

    __slots__ = ("_array", "__weakref__")
    __array_ufunc__ = None  # numpy's ufuncs refuse it, and numpy's operators defer to ours
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, array):
        assert isinstance(array, numpy.ndarray)
        self._array = array

    # --- what numpy may not do with it ----------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT_CONVERSION)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(
            f"numpy.{func.__name__} was called on a (fake) CuPy array: {IMPLICIT_CONVERSION}"
        )

    # --- explicit moves to the host, and Python conversions (CuPy synchronises for these) --------
    def get(self, stream=None, order="C", out=None):
        return numpy.array(self._array, order=order)

    def item(self):
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def __bool__(self):
        return bool(self._array)

    def __int__(self):
        return int(self._array)

    def __float__(self):
        return float(self._array)

    def __complex__(self):
        return complex(self._array)

    def __repr__(self):
        return repr(self._array)

    def __str__(self):
        return str(self._array)

    def __format__(self, spec):
        return format(self._array, spec)

    # --- attributes -----------------------------------------------------------------------------
    shape = property(lambda self: self._array.shape)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    dtype = property(lambda self: self._array.dtype)
    itemsize = property(lambda self: self._array.itemsize)
    nbytes = property(lambda self: self._array.nbytes)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: ndarray(self._array.T))
    mT = property(lambda self: ndarray(self._array.mT))

    @property
    def base(self):
        base = self._array.base
        return None if base is None else ndarray(base) if isinstance(base, numpy.ndarray) else base

    @property
    def device(self):
        return _Device(0)

    def __len__(self):
        return len(self._array)

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self._array.shape[0]))

    # --- indexing: CuPy gives views (0-d ones too) and takes host index arrays ------------------
    def __getitem__(self, index):
        index = _index(index)
        result = self._array[index]
        if not isinstance(result, numpy.ndarray):  # every index an integer: numpy gives a scalar
            result = self._array[(*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)]
        return ndarray(result)

    def __setitem__(self, index, value):
        with numpy.errstate(all="ignore"):
            self._array[_index(index)] = _operand(value, "store")

    # --- arithmetic: numpy's own operators on the arrays inside ---------------------------------
    def __neg__(self):
        return _wrap(-self._array)

    def __pos__(self):
        return self

    def __abs__(self):
        return _wrap(abs(self._array))

    def __invert__(self):
        return _wrap(~self._array)


def _binary_operator(function):
    def forward(self, other):
        other = _operand(other, "operate with")
        if other is NotImplemented:
            return NotImplemented
        with numpy.errstate(all="ignore"):
            return _wrap(function(self._array, other))

    def reflected(self, other):
        other = _operand(other, "operate with")
        if other is NotImplemented:
            return NotImplemented
        with numpy.errstate(all="ignore"):
            return _wrap(function(other, self._array))

    return forward, reflected


def _inplace_operator(function):
    def inplace(self, other):
        other = _operand(other, "operate with")
        if other is NotImplemented:
            return NotImplemented
        with numpy.errstate(all="ignore"):
            function(self._array, other)
        return self

    return inplace


# written out as a table: the same few lines for each of Python's operators
for _name, _function in {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow,
    "matmul": operator.matmul, "and": operator.and_, "or": operator.or_, "xor": operator.xor,
    "lshift": operator.lshift, "rshift": operator.rshift,
}.items():
    _forward, _reflected = _binary_operator(_function)
    setattr(ndarray, f"__{_name}__", _forward)
    setattr(ndarray, f"__r{_name}__", _reflected)
for _name, _function in {
    "iadd": operator.iadd, "isub": operator.isub, "imul": operator.imul,
    "itruediv": operator.itruediv, "ifloordiv": operator.ifloordiv, "imod": operator.imod,
    "ipow": operator.ipow, "iand": operator.iand, "ior": operator.ior, "ixor": operator.ixor,
}.items():
    setattr(ndarray, f"__{_name}__", _inplace_operator(_function))
for _name in ("eq", "ne", "lt", "le", "gt", "ge"):
    setattr(ndarray, f"__{_name}__", _binary_operator(getattr(operator, _name))[0])


def _method(name):
    def method(self, *args, **kwargs):
        with numpy.errstate(all="ignore"):
            result = getattr(self._array, name)(*_device_args(args), **_device_args(kwargs))
        return self if result is self._array else _wrap(result)

    method.__name__ = name
    return method


# the ndarray methods CuPy has and the engine may use
for _name in (
    "all", "any", "argmax", "argmin", "argsort", "astype", "clip", "copy", "cumprod", "cumsum",
    "diagonal", "dot", "fill", "flatten", "max", "mean", "min", "nonzero", "prod", "ravel",
    "repeat", "reshape", "round", "sort", "squeeze", "std", "sum", "swapaxes", "take",
    "transpose", "var", "view",
):
    setattr(ndarray, _name, _method(_name))


class _Device:
    def __init__(self, id):  # noqa: A002 - CuPy's name
        self.id = id

    def synchronize(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# --- moving between numpy and the stand-in -----------------------------------------------------
def _wrap(result):
    """A numpy result as CuPy gives it: arrays wrapped, scalars as 0-d arrays, tuples of them."""
    if isinstance(result, numpy.ndarray):
        return ndarray(result)
    if isinstance(result, numpy.generic):
        return ndarray(numpy.asarray(result))
    if isinstance(result, tuple):
        return tuple(_wrap(x) for x in result)
    return result


def _operand(value, doing):
    """An operand as numpy sees it; a host array is refused, as CuPy refuses it."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"Unsupported type {type(value)}: a (fake) CuPy array cannot {doing} a host array")
    if isinstance(value, (bool, int, float, complex, numpy.generic)):
        return value
    return NotImplemented


def _device_args(value):
    """Arguments of a CuPy function: device arrays unwrapped (in lists and tuples too); a host
    array is refused, as CuPy's kernels refuse it."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, numpy.ndarray):
        raise TypeError(f"Unsupported type {type(value)}: a host array passed to a (fake) CuPy function")
    if isinstance(value, (list, tuple)):
        return type(value)(_device_args(x) for x in value)
    if isinstance(value, dict):
        return {k: _device_args(x) for k, x in value.items()}
    return value


def _index(index):
    """An index as numpy takes it. CuPy accepts host index arrays and lists (and copies them to
    the device); so do we."""
    if isinstance(index, ndarray):
        return index._array
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    return index


def _host_data(value):
    """Host data for asarray/array: nested lists may hold device arrays (CuPy gathers them)."""
    if isinstance(value, ndarray):
        return value._array
    if isinstance(value, (list, tuple)):
        return [_host_data(x) for x in value]
    return value


# --- the module's functions ----------------------------------------------------------------------
def asarray(a, dtype=None, order=None):
    if isinstance(a, ndarray):
        if dtype is None or numpy.dtype(dtype) == a.dtype:
            return a
        return ndarray(a._array.astype(dtype))
    # host data is copied: the device's memory is not the host's
    return ndarray(numpy.array(_host_data(a), dtype=dtype, order=order or "K", copy=True))


def array(obj, dtype=None, copy=True, order="K", ndmin=0):
    if isinstance(obj, ndarray) and not copy:
        return asarray(obj, dtype)
    return ndarray(numpy.array(_host_data(obj), dtype=dtype, copy=True, order=order, ndmin=ndmin))


def asnumpy(a):
    return a.get() if isinstance(a, ndarray) else numpy.asarray(a)


def get_array_module(*args):
    return sys.modules[__name__]


def _function(name):
    numpy_function = getattr(numpy, name)

    def function(*args, **kwargs):
        with numpy.errstate(all="ignore"):
            return _wrap(numpy_function(*_device_args(args), **_device_args(kwargs)))

    function.__name__ = name
    return function


class _Ufunc:
    """A numpy ufunc on device arrays, with `at` (CuPy 13+) for scatter-add."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    def __call__(self, *args, **kwargs):
        with numpy.errstate(all="ignore"):
            return _wrap(self._ufunc(*_device_args(args), **_device_args(kwargs)))

    def at(self, target, index, values=None):
        if not isinstance(target, ndarray):
            raise TypeError(f"Unsupported type {type(target)}")
        extra = () if values is None else (_operand(values, "scatter"),)
        with numpy.errstate(all="ignore"):
            self._ufunc.at(target._array, _index(index), *extra)

    def reduce(self, *args, **kwargs):
        with numpy.errstate(all="ignore"):
            return _wrap(self._ufunc.reduce(*_device_args(args), **_device_args(kwargs)))


# The numpy functions CuPy has, that an op may call through the array module. Anything else is
# missing here, as it may be missing in CuPy: check CuPy's documentation before adding a name.
UFUNCS = (
    "abs", "absolute", "add", "arccos", "arcsin", "arctan", "arctan2", "bitwise_and",
    "bitwise_not", "bitwise_or", "bitwise_xor", "ceil", "copysign", "cos", "cosh", "divide",
    "equal", "exp", "exp2", "expm1", "floor", "floor_divide", "fmax", "fmin", "fmod", "greater",
    "greater_equal", "invert", "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log10",
    "log1p", "log2", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor",
    "matmul", "maximum", "minimum", "multiply", "negative", "nextafter", "not_equal", "power",
    "reciprocal", "remainder", "rint", "sign", "signbit", "sin", "sinh", "sqrt", "square",
    "subtract", "tan", "tanh", "true_divide", "trunc",
)
FUNCTIONS = (
    "all", "allclose", "amax", "amin", "any", "arange", "argmax", "argmin", "argsort",
    "array_equal", "ascontiguousarray", "broadcast_arrays", "broadcast_to", "clip",
    "concatenate", "count_nonzero", "cumprod", "cumsum", "diagonal", "dot", "einsum", "empty",
    "empty_like", "expand_dims", "eye", "flip", "full", "full_like", "isclose", "linspace",
    "max", "mean", "min", "moveaxis", "nonzero", "ones", "ones_like", "prod", "ravel", "repeat",
    "reshape", "round", "sort", "split", "squeeze", "stack", "std", "sum", "swapaxes", "take",
    "take_along_axis", "tensordot", "tile", "transpose", "tril", "triu", "var", "where",
    "zeros", "zeros_like",
)
# numpy's own types and constants, which CuPy re-exports
NUMPY_NAMES = (
    "bool_", "dtype", "e", "finfo", "float16", "float32", "float64", "iinfo", "inf", "int8",
    "int16", "int32", "int64", "nan", "newaxis", "pi", "uint8", "uint64",
)


def _fake_modules():
    """(cupy, cupyx) as module objects, with CuPy's layout."""
    cupy = types.ModuleType("cupy", "A stand-in for CuPy (tests/engine/fake_cupy.py): no GPU involved.")
    cupy.__file__ = __file__
    cupy.__version__ = "14.0.0+fake"
    cupy.ndarray = ndarray
    cupy.asarray, cupy.array, cupy.asnumpy = asarray, array, asnumpy
    cupy.get_array_module = get_array_module
    for name in UFUNCS:
        setattr(cupy, name, _Ufunc(getattr(numpy, name)))
    for name in FUNCTIONS:
        setattr(cupy, name, _function(name))
    for name in NUMPY_NAMES:
        setattr(cupy, name, getattr(numpy, name))
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1,
        getDeviceProperties=lambda index: {"name": b"fake CuPy device (numpy on the CPU)"},
        deviceSynchronize=lambda: None,
    )
    cupy.cuda = types.SimpleNamespace(runtime=runtime, Device=_Device)

    cupyx = types.ModuleType("cupyx", "A stand-in for cupyx (tests/engine/fake_cupy.py).")

    def scatter_add(target, index, values):
        cupy.add.at(target, index, values)

    special = types.ModuleType("cupyx.scipy.special")
    erf_host = numpy.vectorize(math.erf, otypes=[numpy.float64])
    special.erf = lambda x: ndarray(erf_host(x._array).astype(x.dtype))
    scipy = types.ModuleType("cupyx.scipy")
    scipy.special = special
    cupyx.scatter_add = scatter_add
    cupyx.scipy = scipy
    return cupy, cupyx, scipy, special


def install(monkeypatch=None):
    """Make `import cupy` give the stand-in, and the engine's 'cuda' device use it. With a pytest
    `monkeypatch`, all of it is undone after the test; without, it stays for the session."""
    from engine import backend

    cupy, cupyx, scipy, special = _fake_modules()
    modules = {"cupy": cupy, "cupyx": cupyx, "cupyx.scipy": scipy, "cupyx.scipy.special": special}
    for name, module in modules.items():
        if monkeypatch is None:
            sys.modules[name] = module
        else:
            monkeypatch.setitem(sys.modules, name, module)
    # the backend loads 'cuda' again (None: not loaded; with monkeypatch, undone after the test)
    if monkeypatch is None:
        backend._modules["cuda"] = None
    else:
        monkeypatch.setitem(backend._modules, "cuda", None)
    return cupy
