"""The random number generator behind rand, randn, randint: numpy's, seeded by manual_seed.

Values are drawn on the host; factories move them to the tensor's device.
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
