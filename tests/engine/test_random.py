"""Seeded random numbers against PyTorch, bit for bit: after the same manual_seed, the engine's
rand, randn, randint, randperm, normal_ and uniform_ give PyTorch's CPU values, and leave the
generator in PyTorch's state (compared as get_rng_state's bytes), so later draws agree too.

Each case is one function `draw(lib)` run after `lib.manual_seed(seed)` with `lib` the engine
and then torch, for a few seeds; `same_draws` compares every tensor it returns (dtype, shape,
values as bits) and then the two generators' states.
"""
import re

import numpy as np
import pytest

import engine
from on_device import cpu_text
from torch_oracle import as_numpy

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 12345, 2**40 + 7]


def same_draws(draw, seeds=SEEDS):
    for seed in seeds:
        ours, theirs = [], []
        for lib, results in ((engine, ours), (torch, theirs)):
            lib.manual_seed(seed)
            drawn = draw(lib)
            results.extend(drawn if isinstance(drawn, (list, tuple)) else [drawn])
        for position, (got, expected) in enumerate(zip(ours, theirs)):
            where = f"seed {seed}, tensor {position}"
            assert str(got.dtype) == str(expected.dtype), where
            assert tuple(got.shape) == tuple(expected.shape), where
            np.testing.assert_array_equal(as_numpy(got), as_numpy(expected), err_msg=where, strict=True)
        np.testing.assert_array_equal(as_numpy(engine.get_rng_state()), as_numpy(torch.get_rng_state()))


FLOATS = ["float32", "float64", "float16"]
# sizes around the normal kernel's switch (16) and its blocks of 16, and odd shapes
SHAPES = [(n,) for n in range(1, 41)] + [
    (0,), (1000,), (1001,), (3, 5), (4, 4), (2, 3, 7), (5, 1, 13), (2, 0), (33, 65),
]


# --- rand, randn and their *_like ---------------------------------------------------------------------
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_randn(shape, dtype):
    same_draws(lambda lib: [lib.randn(*shape, dtype=getattr(lib, dtype)), lib.randn(3, dtype=getattr(lib, dtype))])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_rand(shape, dtype):
    same_draws(lambda lib: lib.rand(*shape, dtype=getattr(lib, dtype)))


def test_default_dtype_and_like_forms():
    same_draws(lambda lib: [
        lib.rand(2, 3), lib.randn(20), lib.rand_like(lib.zeros(5, 7)), lib.randn_like(lib.zeros(5, 7)),
        lib.randn_like(lib.zeros(17, dtype=lib.float64)), lib.rand_like(lib.zeros(3, dtype=lib.float16)),
    ])


def test_the_generator_carries_over_between_calls():
    # randn of fewer than 16 elements keeps the second value of its last Box-Muller pair for the
    # next one; 16 or more in blocks, which neither use nor touch it
    same_draws(lambda lib: [lib.rand(3), lib.randn(2, 2), lib.randint(0, 10, (5,)), lib.randn(20)])
    same_draws(lambda lib: [lib.randn(1), lib.rand(1), lib.randn(1), lib.randn(3), lib.randn(16), lib.randn(1),
                            lib.randn(5, dtype=lib.float64), lib.randn(1, dtype=lib.float16), lib.randn(17)])


# --- normal_ and uniform_ -----------------------------------------------------------------------------
IN_PLACE_SHAPES = [(1,), (7,), (15,), (16,), (17,), (40,), (1000,), (3, 5), (33, 65)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", IN_PLACE_SHAPES, ids=str)
@pytest.mark.parametrize("mean, std", [(0.5, 2.0), (-3.3, 0.1), (1e3, 1e-3), (0.0, 0.0), (1 + 2**-11 + 2**-40, 0.0)])
def test_normal_(mean, std, shape, dtype):
    # the last mean is above a float16 midpoint by a bit float32 drops: PyTorch makes a Half of
    # a double through float, and lands on the midpoint (then rounds to even)
    same_draws(lambda lib: lib.empty(*shape, dtype=getattr(lib, dtype)).normal_(mean, std))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", IN_PLACE_SHAPES, ids=str)
@pytest.mark.parametrize(
    "low, high", [(-2.3, 5.7), (0.1, 0.3), (-1e3, 1e-3), (3.0, 3.0), (1.0, 1.0000002), (0.0, 1.0001)]
)
def test_uniform_(low, high, shape, dtype):
    # the last two round up to `high` now and then (float32, float16): PyTorch gives `low` there
    same_draws(lambda lib: lib.empty(*shape, dtype=getattr(lib, dtype)).uniform_(low, high))


VIEWS = {
    "transposed": lambda t: t.transpose(0, 1),
    "every other column": lambda t: t[:, ::2],
    "dimensions reversed": lambda t: t.permute(2, 1, 0),
    "a row": lambda t: t[1],
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("view", VIEWS)
def test_in_place_fills_of_views_go_through_memory(view, dtype):
    # PyTorch fills a view in the order of its memory; a strided one gets the one-at-a-time normals
    def fill(lib, method, *args):
        base = lib.zeros(4, 6, 5, dtype=getattr(lib, dtype))
        target = VIEWS[view](base)
        getattr(target, method)(*args)
        return [target, base]

    same_draws(lambda lib: fill(lib, "normal_", 0.2, 1.5))
    same_draws(lambda lib: fill(lib, "uniform_", -1.0, 2.0))


# --- randint and randperm -----------------------------------------------------------------------------
RANGES = [(0, 2), (0, 10), (-5, 7), (3, 2**28 - 1), (3, 2**28), (0, 2**31), (-2**31, 2**31), (0, 2**32), (0, 2**32 + 1),
          (-2**40, 2**40), (-2**63, 2**63 - 1)]
# what each dtype holds exactly; for float32 and float16 beyond that PyTorch warns (and float32
# takes other values than the engine)
HOLDS = {
    "int64": (-2**63, 2**63 - 1), "int32": (-2**31, 2**31 - 1), "int16": (-2**15, 2**15 - 1),
    "int8": (-128, 127), "uint8": (0, 255), "bool": (0, 1),
    "float64": (-2**53, 2**53), "float32": (-2**24, 2**24), "float16": (-2**11, 2**11),
}
RANDINT_CASES = [(low, high, dtype) for dtype, (lowest, highest) in HOLDS.items() for low, high in RANGES
                 if lowest <= low and high - 1 <= highest]


@pytest.mark.parametrize("low, high, dtype", RANDINT_CASES, ids=str)
def test_randint(low, high, dtype):
    same_draws(lambda lib: lib.randint(low, high, (37,), dtype=getattr(lib, dtype)))


def test_randint_signatures():
    same_draws(lambda lib: [lib.randint(10, (3, 4)), lib.randint(-3, 3, size=(2,)), lib.randint(5, size=[4]),
                            lib.randint(low=1, high=9, size=(3,))])


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 10, 100, 1000, 12345, 100000])
def test_randperm(n):
    same_draws(lambda lib: [lib.randperm(n), lib.randperm(n, dtype=lib.float32), lib.rand(2)])


# --- generators, seeds and states -----------------------------------------------------------------------
def test_generators_of_their_own():
    def draw(lib):
        generator = lib.Generator().manual_seed(3)
        return [lib.rand(5, generator=generator), lib.randn(3, generator=generator), lib.rand(2),
                lib.randn(20, generator=generator), lib.randint(0, 5, (4,), generator=generator),
                lib.randperm(9, generator=generator), lib.randn(3), generator.get_state(),
                lib.empty(20).normal_(1.0, 2.0, generator=generator), lib.empty(3, 4).uniform_(-1, 1, generator=generator),
                lib.rand(2), generator.get_state()]

    same_draws(draw)


def test_a_fresh_generator_has_pytorchs_fixed_seed():
    assert engine.Generator().initial_seed() == torch.Generator().initial_seed() == 67280421310721
    np.testing.assert_array_equal(as_numpy(engine.rand(4, generator=engine.Generator())),
                                  as_numpy(torch.rand(4, generator=torch.Generator())))


@pytest.mark.parametrize("seed", [0, 7, -1, -2**63, 2**64 - 1, 2**32 + 5, 1.7, True])
def test_manual_seed_takes_any_64_bit_seed(seed):
    same_draws(lambda lib: [lib.manual_seed(seed).get_state(), lib.randn(17), lib.rand(3)], seeds=[0])
    assert engine.manual_seed(seed).initial_seed() == torch.manual_seed(seed).initial_seed()
    assert engine.initial_seed() == torch.initial_seed()


def test_manual_seed_returns_the_default_generator_which_prints_as_pytorchs():
    generator = engine.manual_seed(0)
    assert generator is engine.default_generator
    masked = re.compile(r"0x[0-9a-f]+")
    assert masked.sub("0x…", repr(generator)) == masked.sub("0x…", repr(torch.manual_seed(0)))
    assert generator.device == engine.device("cpu") and repr(generator.device) == repr(torch.Generator().device)


def test_seed_picks_a_new_seed_and_returns_it():
    first, second = engine.seed(), engine.seed()
    assert first != second and engine.initial_seed() == second
    values = engine.rand(5)
    torch.manual_seed(second)
    np.testing.assert_array_equal(as_numpy(values), as_numpy(torch.rand(5)))


def test_states_move_between_the_engine_and_pytorch():
    torch.manual_seed(5)
    torch.randn(3)  # leaves the second value of a Box-Muller pair in the state
    torch.rand(700)  # past the twister's first 624 words
    engine.set_rng_state(engine.tensor(torch.get_rng_state().tolist(), dtype=engine.uint8))
    np.testing.assert_array_equal(as_numpy(engine.get_rng_state()), as_numpy(torch.get_rng_state()))
    for draw in (lambda lib: lib.randn(1), lambda lib: lib.randn(40), lambda lib: lib.randint(0, 9, (3,))):
        np.testing.assert_array_equal(as_numpy(draw(engine)), as_numpy(draw(torch)))
    # and back: PyTorch continues from the engine's state
    torch.set_rng_state(torch.tensor(engine.get_rng_state().tolist(), dtype=torch.uint8))
    np.testing.assert_array_equal(as_numpy(engine.randn(5)), as_numpy(torch.randn(5)))


SEED_AND_STATE_ERRORS = [
    "torch.Generator().manual_seed(1.5)",
    "torch.Generator().manual_seed(None)",
    "torch.Generator().manual_seed(True)",
    "torch.manual_seed(2**64)",
    "torch.manual_seed(-2**63 - 1)",
    "torch.manual_seed('seven')",
    "torch.set_rng_state([1, 2])",
    "torch.set_rng_state(torch.zeros(5056))",
    "torch.set_rng_state(torch.zeros(10, dtype=torch.uint8))",
]
FACTORY_ERRORS = [
    "torch.randint(5, 3, (2,))",
    "torch.randint(3, 3, (2,))",
    "torch.randint(0, 300, (2,), dtype=torch.uint8)",
    "torch.randint(-1, 5, (2,), dtype=torch.uint8)",
    "torch.randint(-200, 5, (2,), dtype=torch.int8)",
    "torch.randint(0, 70000, (2,), dtype=torch.int16)",
    "torch.randint(0, 2**31 + 1, (2,), dtype=torch.int32)",
    "torch.randint(0, 3, (2,), dtype=torch.bool)",
    "torch.randint(0, 70000, (2,), dtype=torch.float16)",
    "torch.randint(-2**63, 2**63, (2,))",
    "torch.randint(0, 3, (2,), requires_grad=True)",
    "torch.randperm(-1)",
    "torch.randperm(4, dtype=torch.bool)",
    "torch.randperm(257, dtype=torch.uint8)",
    "torch.randperm(129, dtype=torch.int8)",
    "torch.randperm(2050, dtype=torch.float16)",
    "torch.randperm(3, requires_grad=True)",
    "torch.rand(2, dtype=torch.int64)",
    "torch.randn(2, dtype=torch.int32)",
    "torch.empty(3).uniform_(2, 1)",
    "torch.empty(3).normal_(0, -1)",
]


def outcome(lib, source):
    try:
        value = eval(source, {"torch": lib})
    except Exception as error:  # noqa: BLE001 - the class and message are what is compared
        return type(error).__name__, cpu_text(str(error))
    return "no error", tuple(value.shape) if hasattr(value, "shape") else None


@pytest.mark.parametrize("source", SEED_AND_STATE_ERRORS + FACTORY_ERRORS)
def test_errors_like_torch(source):
    assert outcome(engine, source) == outcome(torch, source)
