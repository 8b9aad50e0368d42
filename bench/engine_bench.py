"""Engine benchmarks: each workload run by our engine, PyTorch (CPU) and hand-written numpy in one
process, reported as ratios (the machines are shared and noisy; absolute times mean little).

    python -m bench            # all workloads
    python -m bench W2 W5      # some
"""
import sys
import time

import numpy as np

import engine

try:
    import torch
except ImportError:  # the ratios against PyTorch are then left out
    torch = None


def _calls_per_batch(run, min_seconds=0.05):
    """How many calls make a batch lasting at least min_seconds (so timer noise is small)."""
    run()  # warm up
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            run()
        if time.perf_counter() - start >= min_seconds or calls >= 1_000_000:
            return calls
        calls *= 2


def compare_times(runs, rounds=9):
    """Seconds per call of each of `runs`, timed in interleaved rounds; each one's best round.

    The machines are shared: another process only ever adds time, so the fastest round is the
    truest, and interleaving gives every contender the same weather. The order rotates each
    round: PyTorch's worker threads keep spinning for a while after its big ops, which slows
    whatever runs right after it on a 2-core machine, so no contender always follows it.
    """
    batches = [_calls_per_batch(run) for run in runs]
    best = [float("inf")] * len(runs)
    for round_number in range(rounds):
        for offset in range(len(runs)):
            index = (round_number + offset) % len(runs)
            run, calls = runs[index], batches[index]
            start = time.perf_counter()
            for _ in range(calls):
                run()
            best[index] = min(best[index], (time.perf_counter() - start) / calls)
    return best


# --- W1: the tutorial program on 2x2 ------------------------------------------------------------
def w1(lib):
    def run():
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        return x.grad
    return run


def w1_numpy():
    def run():
        x = np.ones((2, 2), dtype=np.float32)
        y = x + 2
        z = y * y * 3
        z.mean()
        grad_z = np.full_like(z, 1 / z.size)
        grad_y = grad_z * 3 * y * 2
        return grad_y
    return run


# --- W2: a 200-op chain of elementwise ops on 4x4 ---------------------------------------------
CHAIN_STEPS = 50  # four ops a step: * + tanh *


def w2(lib):
    x = lib.rand(4, 4, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(CHAIN_STEPS):
            y = (y * 0.9 + 0.1).tanh() * 1.1
        y.sum().backward()
        return x.grad
    return run


def w2_numpy():
    x = np.random.rand(4, 4).astype(np.float32)

    def run():
        y, saved = x, []
        for _ in range(CHAIN_STEPS):
            t = np.tanh(y * np.float32(0.9) + np.float32(0.1))
            saved.append(t)
            y = t * np.float32(1.1)
        y.sum()
        grad = np.ones_like(y)
        for t in reversed(saved):
            grad = grad * np.float32(1.1) * (1 - t * t) * np.float32(0.9)
        return grad
    return run


# --- W3: an MLP 784-256-10 training step at batch 128, softmax cross-entropy ---------------------
def _mlp_data(seed=0):
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((128, 784)).astype(np.float32),
        rng.integers(0, 10, 128),
        (rng.standard_normal((784, 256)) * 0.05).astype(np.float32),
        np.zeros(256, np.float32),
        (rng.standard_normal((256, 10)) * 0.05).astype(np.float32),
        np.zeros(10, np.float32),
    )


def w3(lib):
    x, labels, *params = _mlp_data()
    x, labels = lib.tensor(x), lib.tensor(labels)
    w1_, b1, w2_, b2 = [lib.tensor(p, requires_grad=True) for p in params]
    functional = lib.nn.functional

    def run():
        for p in (w1_, b1, w2_, b2):
            p.grad = None
        hidden = (x @ w1_ + b1).relu()
        loss = functional.cross_entropy(hidden @ w2_ + b2, labels)
        loss.backward()
        return loss
    return run


def w3_numpy():
    x, labels, w1_, b1, w2_, b2 = _mlp_data()
    rows = np.arange(len(labels))

    def run():
        pre = x @ w1_ + b1
        hidden = np.maximum(pre, 0)
        logits = hidden @ w2_ + b2
        shifted = logits - logits.max(1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        loss = -log_probs[rows, labels].mean()
        grad_logits = np.exp(log_probs)
        grad_logits[rows, labels] -= 1
        grad_logits /= len(labels)
        grad_w2, grad_b2 = hidden.T @ grad_logits, grad_logits.sum(0)
        grad_hidden = (grad_logits @ w2_.T) * (pre > 0)
        grad_w1, grad_b1 = x.T @ grad_hidden, grad_hidden.sum(0)
        return loss, grad_w1, grad_b1, grad_w2, grad_b2
    return run


# --- W4: (a*b + a.exp()).tanh().sum() on 2048x2048 --------------------------------------------
def _big_pair(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n)).astype(np.float32), rng.standard_normal((n, n)).astype(np.float32)


def w4(lib):
    a, b = [lib.tensor(v, requires_grad=True) for v in _big_pair(2048)]

    def run():
        a.grad = b.grad = None
        (a * b + a.exp()).tanh().sum().backward()
    return run


def w4_numpy():
    a, b = _big_pair(2048)

    def run():
        e = np.exp(a)
        t = np.tanh(a * b + e)
        t.sum()
        grad_s = 1 - t * t
        return grad_s * (b + e), grad_s * a
    return run


# --- W5: (a@b).sum() on 1024x1024 -------------------------------------------------------------
def w5(lib):
    a, b = [lib.tensor(v, requires_grad=True) for v in _big_pair(1024)]

    def run():
        a.grad = b.grad = None
        (a @ b).sum().backward()
    return run


def w5_numpy():
    a, b = _big_pair(1024)

    def run():
        (a @ b).sum()
        ones = np.ones((1024, 1024), np.float32)
        return ones @ b.T, a.T @ ones
    return run


# --- W6: a 10,000-node graph built and backpropagated -------------------------------------------
def w6(lib):
    x = lib.rand(3, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(5000):  # two nodes a step, each step also feeding back from x
            y = y * 0.999 + x
        y.sum().backward()
        return x.grad
    return run


def w6_numpy():
    x = np.random.rand(3).astype(np.float32)

    def run():
        y = x
        for _ in range(5000):
            y = y * np.float32(0.999) + x
        y.sum()
        grad_y, grad_x = np.ones_like(x), np.zeros_like(x)
        for _ in range(5000):
            grad_x = grad_x + grad_y
            grad_y = grad_y * np.float32(0.999)
        return grad_x + grad_y
    return run


WORKLOADS = {
    "W1": ("tutorial program, 2x2", w1, w1_numpy),
    "W2": ("200-op elementwise chain, 4x4", w2, w2_numpy),
    "W3": ("MLP 784-256-10 step, batch 128", w3, w3_numpy),
    "W4": ("(a*b + a.exp()).tanh().sum(), 2048x2048", w4, w4_numpy),
    "W5": ("(a@b).sum(), 1024x1024", w5, w5_numpy),
    "W6": ("10,000-node graph", w6, w6_numpy),
}


def main(names=None):
    names = names or sys.argv[1:] or list(WORKLOADS)
    print(f"{'':4} {'workload':42} {'engine':>10} {'torch':>10} {'numpy':>10} {'eng/torch':>9} {'eng/numpy':>9}")
    for name in names:
        title, make, make_numpy = WORKLOADS[name]
        runs = [make(engine), make_numpy()] + ([make(torch)] if torch is not None else [])
        ours, by_hand, *rest = compare_times(runs)
        theirs = rest[0] if rest else float("nan")
        print(
            f"{name:4} {title:42} {ours * 1e6:8.0f}us {theirs * 1e6:8.0f}us {by_hand * 1e6:8.0f}us "
            f"{ours / theirs:9.2f} {ours / by_hand:9.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
