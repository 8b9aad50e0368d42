"""engine: a PyTorch-compatible autograd engine on numpy (CPU) or CuPy (GPU).

`import engine as torch` works for the covered API; under `%%grad`, `import torch` gives this.
"""
from . import autograd, cuda, dtypes, nn
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .backend import device
from .dtypes import (
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16,
    int32, int64, long, set_default_dtype, short, uint8,
)
from .dtypes import dtype, promote_types
from .factories import (
    arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, get_default_device,
    linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like, randperm,
    set_default_device, tensor, zeros, zeros_like,
)
from .ops.arithmetic import (
    add, div, floor_divide, fmod, mul, neg, pow, reciprocal, remainder, rsub, sub,
)
from .ops.bitwise import (
    bitwise_and, bitwise_left_shift, bitwise_not, bitwise_or, bitwise_right_shift, bitwise_xor,
)
from .ops.comparison import (
    all, allclose, any, argmax, argmin, eq, equal, ge, gt, isfinite, isinf, isnan, le, logical_and,
    logical_not, logical_or, logical_xor, lt, ne,
)
from .ops.pointwise import (  # noqa: A004 - PyTorch's names shadow builtins here
    abs, absolute, ceil, clamp, clamp_max, clamp_min, cos, cosh, exp, floor, log, log1p, log2,
    log10, masked_fill, maximum, minimum, relu, round, rsqrt, sigmoid, sign, sin, sinh, sqrt,
    square, tan, tanh, trunc, where,
)
from .ops.reduction import (  # noqa: A004 - PyTorch's names shadow builtins here
    amax, amin, argsort, cumprod, cumsum, log_softmax, logsumexp, max, mean, min, norm, prod,
    softmax, sort, std, sum, topk, var,
)
from .ops.shape import (
    cat, chunk, clone, concat, concatenate, diag, expand, flatten, flip, narrow, outer, permute,
    reshape, select, split, squeeze, stack, swapaxes, swapdims, t, transpose, tril, triu, unbind,
    unsqueeze,
)
from .ops.indexing import gather, index_select, masked_select
from .ops.linalg import addmm, bmm, dot, matmul, mm, mv
from .ops.inplace import (
    abs_, ceil_, clamp_, clip_, exp_, fill_, floor_, log_, neg_, relu_, round_, sigmoid_, sqrt_,
    square_, tanh_, trunc_, zero_,
)
from .printing import set_printoptions
from .random import (
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state,
)
from .tensor import Size, Tensor

__version__ = "2.13.0+grad_magic.0.1.0"

clip = clamp
divide, multiply, subtract, negative = div, mul, sub, neg
true_divide = div


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.is_floating_point()
