"""randint and randperm, from the generator's bits as PyTorch takes them."""
import numpy

# from this range on PyTorch takes each number from a 64-bit output (less bias from the modulo)
_WIDE_RANGE = 2**28


def randint(generator, low, high, count, dtype):
    """`count` integers in [low, high), as `dtype`: each one output modulo the range, plus low."""
    span = high - low
    if span >= _WIDE_RANGE:
        bits = generator.bits64(count)
    else:
        bits = generator.bits32(count)
    # in 64-bit unsigned arithmetic, which wraps as PyTorch's does: low may be negative
    offsets = bits % numpy.uint64(span) + numpy.uint64(low % 2**64)
    return offsets.view(numpy.int64).astype(dtype)


def randperm(generator, n):
    """PyTorch's permutation of range(n) (int64), for n below 2**32 / 20: it starts from
    0, 1, ..., n - 1 and, for i = 0 .. n - 2, swaps element i with element i + (output % (n - i)).

    The swaps are worked out here without a loop over them. Step i puts into position i the value
    then at its target t_i, and leaves at t_i the value that was at i. So the value position p
    holds just before step p is the one the last earlier step aimed at p left there, which is in
    turn the value *that* step's position held before it, and so on back to a position no earlier
    step aimed at, which still holds its own number. Following these links to their ends for all
    positions at once (each round doubles how far every link reaches) gives each step's value,
    and from those the permutation.
    """
    if n <= 1:
        return numpy.arange(n, dtype=numpy.int64)
    steps = numpy.arange(n, dtype=numpy.int64)
    remaining = n - steps[:-1]
    target = steps.copy()  # the last position is never swapped: it aims at itself
    target[:-1] += (generator.bits32(n - 1).astype(numpy.int64) % remaining)

    # the steps grouped by target, in order within a group: each step's predecessor aiming at
    # the same position is the one before it in the group
    by_target = numpy.argsort(target, kind="stable")
    sorted_targets = target[by_target]
    same_as_before = numpy.concatenate([[False], sorted_targets[1:] == sorted_targets[:-1]])
    predecessor = numpy.full(n, -1)
    predecessor[by_target[same_as_before]] = by_target[numpy.nonzero(same_as_before)[0] - 1]

    # the last step before p aiming at p: the last one in p's group, or the one before it when
    # that is p itself (a step may aim at its own position)
    group_end = numpy.searchsorted(sorted_targets, steps, side="right") - 1
    last = numpy.where(sorted_targets[group_end.clip(0)] == steps, by_target[group_end.clip(0)], -1)
    aimed_before = numpy.where(last == steps, predecessor, last)

    # holds[p]: the value at position p just before step p; follow aimed_before to its roots
    link = numpy.where(aimed_before >= 0, aimed_before, steps)
    while True:
        further = link[link]
        if numpy.array_equal(further, link):
            break
        link = further
    holds = link  # a root is a position no earlier step aimed at: it holds its own number

    # step i takes the value at its target: what the last earlier step aiming there left
    # (that step's held value), or the target's own number
    return numpy.where(predecessor >= 0, holds[predecessor.clip(0)], target)
