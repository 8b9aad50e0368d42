"""The Generator: PyTorch's CPU random number generator, output for output.

PyTorch's CPU generator is a standard 32-bit Mersenne Twister (MT19937), seeded as the reference
code seeds it (init_genrand) with the seed's low 32 bits. numpy's MT19937 is that same twister,
and seeded through a legacy RandomState (RandomState.seed) it is seeded the same way; its
random_raw gives the raw 32-bit outputs. Beside the twister PyTorch's generator keeps the seed it
was given (all 64 bits, for initial_seed) and the unused second value of its last per-element
Box-Muller pair (see box_muller.py), which manual_seed forgets.

get_state / set_state use PyTorch's byte layout (a 5056-byte uint8 tensor), so a state taken
from PyTorch can be loaded here and the other way round.
"""
import numbers
import os
import struct

import numpy

from .. import backend, dtypes

FRESH_GENERATOR_SEED = 67280421310721  # what a new torch.Generator() is seeded with

# PyTorch's CPUGeneratorImplState: the seed, the twister's `left` and `seeded` and `next`, its 624
# words (each stored in 64 bits), three doubles of which only the second is used (the cached
# normal value), whether that one is valid, then a cached float normal value and its flag
_STATE_LAYOUT = struct.Struct("<QiiQ624QdddI4xf?3x")
_TWISTER_WORDS = 624


class Generator:
    """A source of random numbers; `torch.Generator()`. The default one is `default_generator`."""

    # named as PyTorch's class is, so that it prints as PyTorch's does (<torch._C.Generator ...>),
    # both with repr and in IPython, which writes its own form for a class without a __repr__
    __module__, __qualname__ = "torch._C", "Generator"

    def __init__(self, device="cpu"):
        # NOTE: every generator draws on the host; one for 'cuda' gives the CPU's numbers too
        self.device = backend.canonical(device)
        self._twister = numpy.random.MT19937()
        self._seeder = numpy.random.RandomState(self._twister)  # seeds the twister as PyTorch does
        self.manual_seed(FRESH_GENERATOR_SEED)

    def manual_seed(self, seed):
        if not isinstance(seed, numbers.Integral) or isinstance(seed, bool):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = int(seed) % 2**64  # a negative seed is read as its 64-bit two's complement
        self._seeder.seed(self._seed & 0xFFFFFFFF)
        self._untouched = True  # no output drawn since seeding (PyTorch's state tells them apart)
        self.next_double_normal = None
        self._next_float_normal = None  # kept only to give back in get_state: no op here uses it
        return self

    def seed(self):
        """Seed from the operating system's entropy, as PyTorch does at start; returns the seed."""
        seed = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    # --- raw output ------------------------------------------------------------------------------
    def bits32(self, count):
        """The twister's next `count` 32-bit outputs (in a uint64 array)."""
        if count:
            self._untouched = False
        return self._twister.random_raw(count)

    def bits64(self, count):
        """The next `count` 64-bit outputs (uint64); PyTorch makes each from two 32-bit outputs,
        the first one the high half."""
        pairs = self.bits32(2 * count)
        return (pairs[0::2] << numpy.uint64(32)) | pairs[1::2]

    # --- state -----------------------------------------------------------------------------------
    def get_state(self):
        from ..tensor import wrap  # here: the tensor module imports this one (through its ops)

        twister = self._twister.state["state"]
        words, position = twister["key"], twister["pos"]
        if position == _TWISTER_WORDS:  # PyTorch: `left` 1 means "twist before the next output"
            left, next_word = 1, 0 if self._untouched else _TWISTER_WORDS
        else:
            left, next_word = _TWISTER_WORDS + 1 - position, position
        packed = _STATE_LAYOUT.pack(
            self._seed, left, 1, next_word, *words.tolist(),
            0.0, self.next_double_normal or 0.0, 0.0, self.next_double_normal is not None,
            self._next_float_normal or 0.0, self._next_float_normal is not None,
        )
        return wrap(numpy.frombuffer(packed, dtype=numpy.uint8).copy(), dtypes.uint8, backend.CPU)

    def set_state(self, new_state):
        from ..tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != _STATE_LAYOUT.size:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_LAYOUT.size} but found the input "
                f"RNG state size to be {new_state.numel()}"
            )
        fields = _STATE_LAYOUT.unpack(backend.to_host(new_state._data).tobytes())
        seed, left, _seeded, next_word = fields[:4]
        words = numpy.array(fields[4:4 + _TWISTER_WORDS], dtype=numpy.uint32)
        _, double_normal, _, double_valid, float_normal, float_valid = fields[4 + _TWISTER_WORDS:]
        self._seed = seed
        position = _TWISTER_WORDS if left == 1 else next_word
        self._twister.state = {"bit_generator": "MT19937", "state": {"key": words, "pos": position}}
        self._untouched = left == 1 and next_word == 0
        self.next_double_normal = double_normal if double_valid else None
        self._next_float_normal = float_normal if float_valid else None
        return self


default_generator = Generator()
default_generator.seed()  # PyTorch starts its default generator from a seed nobody chose
