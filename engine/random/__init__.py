"""The random number generator behind rand, randn, randint, normal_ ...: numpy's, seeded by
manual_seed.

Values are drawn on the host, for every device, and the factories move them to the tensor's
device: one seed gives the same numbers on the CPU and on a GPU (PyTorch's CUDA generator gives
other ones), at the cost of a host-to-device copy for each random tensor made on a GPU.
"""
import numpy

_generator = [numpy.random.default_rng()]


def manual_seed(seed):
    _generator[0] = numpy.random.default_rng(int(seed))
    return _generator[0]


seed = manual_seed


def uniform(shape, dtype):
    return _generator[0].random(shape).astype(dtype)


def normal(shape, dtype):
    return _generator[0].standard_normal(shape).astype(dtype)


def integers(low, high, shape, dtype):
    return _generator[0].integers(low, high, shape).astype(dtype)


def permutation(n):
    return _generator[0].permutation(n)
