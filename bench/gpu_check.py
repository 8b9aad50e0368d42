"""The engine on a real GPU: its tests with CuPy, and a benchmark beside PyTorch CUDA.

Run on a machine with an NVIDIA GPU, CuPy (`pip install 'grad-magic[cuda]'`) and, for the
comparison, a CUDA build of PyTorch; from the repository root or anywhere:

    python bench/gpu_check.py                 # tests, then benchmarks; prints a report
    python bench/gpu_check.py --no-tests      # benchmarks only
    python bench/gpu_check.py --no-bench -k matmul   # some tests only (-k is pytest's)
    python bench/gpu_check.py --workers 8     # the tests in 8 processes (needs pytest-xdist)
    python bench/gpu_check.py --report out.md # the report also written to a file
    python bench/gpu_check.py --dry-run       # no GPU: the stand-in CuPy of tests/engine and
                                              # PyTorch on the CPU, small sizes (checks this script)

1. The engine's tests (tests/engine) run with ENGINE_TEST_DEVICE=cuda: 'cuda' is the default
   device, so every tensor they make without a device is a CuPy array on the GPU (see
   tests/engine/conftest.py). They compare with PyTorch on the CPU.
2. Two workloads, timed for the engine on CuPy and for PyTorch on CUDA (float32, TF32 off in
   both), after checking that both compute the same numbers:
     matmul: a 4096x4096 matmul, forward and backward, (a @ b).sum().backward()
     MLP:    one training step of a 784-1024-1024-10 ReLU MLP on a batch of 512, cross_entropy,
             plain SGD under no_grad
   Each time is the median of per-step times, the GPU synchronised before and after each step.

The report at the end is markdown, to paste into bench/RESULTS.md. Nothing in CI runs this.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # the engine from this checkout, installed or not

import numpy as np  # noqa: E402


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- what is there -------------------------------------------------------------------------------
def use_stand_in():
    """--dry-run: the stand-in CuPy of the tests, as the engine's 'cuda'."""
    sys.path.insert(0, os.path.join(ROOT, "tests", "engine"))
    import fake_cupy

    fake_cupy.install()


def load_torch(dry_run):
    """(torch, its device) for the comparison, or (None, reason)."""
    try:
        import torch
    except ImportError:
        return None, "PyTorch is not installed"
    if dry_run:
        return torch, "cpu"
    if not torch.cuda.is_available():
        return None, f"PyTorch {torch.__version__} has no CUDA here"
    torch.backends.cuda.matmul.allow_tf32 = False  # full float32, as CuPy's default
    torch.backends.cudnn.allow_tf32 = False
    return torch, "cuda"


def environment(engine, torch, torch_device):
    lines = []
    name = engine.cuda.get_device_name()
    cupy = engine.backend.array_module(engine.backend.CUDA)
    runtime = cupy.cuda.runtime
    details = []
    for label, get in (("CUDA runtime", "runtimeGetVersion"), ("driver", "driverGetVersion")):
        try:
            version = getattr(runtime, get)()
            details.append(f"{label} {version // 1000}.{version % 1000 // 10}")
        except Exception:  # noqa: BLE001 - the stand-in has none; a report line less
            pass
    try:
        memory = runtime.getDeviceProperties(0)["totalGlobalMem"]
        details.append(f"{memory / 2**30:.0f} GiB")
    except Exception:  # noqa: BLE001
        pass
    lines.append(f"GPU: **{name}**" + (f" ({', '.join(details)})" if details else ""))
    lines.append(
        f"engine {engine.__version__} on CuPy {cupy.__version__}, numpy {np.__version__}, "
        f"Python {platform.python_version()}"
    )
    if torch is not None:
        cuda = getattr(torch.version, "cuda", None)
        lines.append(f"PyTorch {torch.__version__} on {torch_device}" + (f" (CUDA {cuda})" if cuda else ""))
    tf32 = os.environ.get("CUPY_TF32", "0")
    lines.append(f"float32 throughout; TF32 {'on' if tf32 != '0' else 'off'} for CuPy (CUPY_TF32={tf32}), off for PyTorch")
    return lines


# --- 1. the engine's tests on the GPU -----------------------------------------------------------------
def run_tests(device, pytest_args, timeout):
    """Run tests/engine with ENGINE_TEST_DEVICE=device; (report lines, passed?)."""
    command = [sys.executable, "-m", "pytest", "tests/engine", "-q", "-p", "no:cacheprovider",
               "--continue-on-collection-errors", "--maxfail=200", *pytest_args]
    log(f"==> {' '.join(command[2:])} with ENGINE_TEST_DEVICE={device} (the first run compiles CuPy's kernels)")
    # the engine from this checkout, installed or not
    path = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    environment = dict(os.environ, ENGINE_TEST_DEVICE=device, PYTHONPATH=path)
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        output = (expired.stdout or b"").decode() if isinstance(expired.stdout, bytes) else (expired.stdout or "")
        return [f"The engine's tests did not finish within {timeout} s.", "", "```", *output.splitlines()[-15:], "```"], False
    elapsed = time.perf_counter() - start
    output = done.stdout + done.stderr
    log(output)  # the whole of it: the tracebacks of a failure are what a GPU run is for
    summary = [line.strip("= ") for line in output.splitlines() if re.search(r"\b(passed|failed|error|skipped)\b.* in [\d.]+s", line)]
    counts = summary[-1] if summary else f"pytest ended with exit code {done.returncode} and no summary"
    lines = [f"`ENGINE_TEST_DEVICE={device} pytest tests/engine`: **{counts}** ({elapsed:.0f} s with start-up)"]
    problems = [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    if problems:
        lines += ["", f"{len(problems)} failed:", "", "```", *problems[:40], "```"]
    if "torch" in output and "could not import 'torch'" in output:
        lines.append("(PyTorch is missing here: the tests that compare with it were skipped.)")
    return lines, done.returncode == 0


# --- 2. the benchmarks ----------------------------------------------------------------------------------
def time_steps(step, synchronize, min_seconds, max_steps=200, warmup=3):
    """Median seconds per step: each step between two synchronisations of the GPU."""
    for _ in range(warmup):
        step()
    synchronize()
    samples, total = [], 0.0
    while (total < min_seconds or len(samples) < 5) and len(samples) < max_steps:
        start = time.perf_counter()
        step()
        synchronize()
        samples.append(time.perf_counter() - start)
        total += samples[-1]
    return statistics.median(samples)


def matmul_workload(lib, device, a, b):
    """(step, result): (a @ b).sum().backward(), the gradients cleared before each step."""
    x = lib.tensor(a, device=device, requires_grad=True)
    y = lib.tensor(b, device=device, requires_grad=True)

    def step():
        x.grad = y.grad = None
        out = (x @ y).sum()
        out.backward()
        return out

    def result():
        step()
        return [x.grad, y.grad]

    return step, result


def mlp_workload(lib, F, device, data, target, weights, lr=0.05):
    """(step, result): forward, cross_entropy, backward, SGD on the parameters."""
    x = lib.tensor(data, device=device)
    labels = lib.tensor(target, device=device)
    params = [lib.tensor(w, device=device, requires_grad=True) for w in weights]

    def step():
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = F.relu(h)
        loss = F.cross_entropy(h, labels)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    def result():
        loss = step()
        return [loss, *params]

    return step, result


def host(value):
    value = value.detach()
    return value.cpu().numpy().astype(np.float64)


def largest_difference(ours, theirs):
    """The largest difference between the two libraries' results, relative to their scale."""
    worst = 0.0
    for o, t in zip(ours, theirs):
        o, t = host(o), host(t)
        worst = max(worst, float(np.max(np.abs(o - t)) / max(np.max(np.abs(t)), 1e-30)))
    return worst


def run_benchmarks(engine, torch, torch_device, sizes, min_seconds):
    rng = np.random.default_rng(0)
    n = sizes["matmul"]
    a, b = (rng.standard_normal((n, n)).astype(np.float32) for _ in range(2))
    batch, widths = sizes["batch"], sizes["widths"]
    data = rng.standard_normal((batch, widths[0])).astype(np.float32)
    target = rng.integers(0, widths[-1], batch)
    weights = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        weights.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    workloads = {
        f"matmul {n}x{n}, forward + backward": lambda lib, F, dev: matmul_workload(lib, dev, a, b),
        f"MLP step, batch {batch}, {'-'.join(map(str, widths))}, ReLU, cross_entropy, SGD":
            lambda lib, F, dev: mlp_workload(lib, F, dev, data, target, weights),
    }
    libraries = [("engine", engine, engine.nn.functional, "cuda", engine.cuda.synchronize)]
    if torch is not None:
        sync = torch.cuda.synchronize if torch_device == "cuda" else (lambda: None)
        libraries.append(("PyTorch", torch, torch.nn.functional, torch_device, sync))
    rows = []
    for name, make in workloads.items():
        log(f"==> {name}")
        times, results = {}, {}
        for label, lib, F, device, synchronize in libraries:
            _, result = make(lib, F, device)
            results[label] = result()  # one step from the same start, to compare the numbers
            step, _ = make(lib, F, device)
            times[label] = time_steps(step, synchronize, min_seconds)
            log(f"    {label}: {times[label] * 1e3:.2f} ms")
        agree = largest_difference(results["engine"], results["PyTorch"]) if "PyTorch" in results else None
        rows.append((name, times.get("engine"), times.get("PyTorch"), agree))
    return rows


def benchmark_table(rows, torch_note):
    lines = ["| workload | engine on CuPy, ms | PyTorch CUDA, ms | engine / PyTorch | largest relative difference |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, ours, theirs, agree in rows:
        ratio = f"{ours / theirs:.2f}" if theirs else "—"
        lines.append(
            f"| {name} | {ours * 1e3:.2f} | {theirs * 1e3:.2f} | {ratio} | {agree:.1e} |" if theirs
            else f"| {name} | {ours * 1e3:.2f} | — | — | — |"
        )
    if torch_note:
        lines += ["", f"No PyTorch column: {torch_note}."]
    return lines


# --- the report ---------------------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-tests", action="store_true", help="skip the engine's tests")
    parser.add_argument("--no-bench", action="store_true", help="skip the benchmarks")
    parser.add_argument("-k", dest="keyword", help="only the engine tests matching this (pytest's -k)")
    parser.add_argument("--workers", type=int, default=0, help="run the tests in this many processes (pytest-xdist)")
    parser.add_argument("--test-timeout", type=int, default=1200, help="seconds for the tests (default 1200)")
    parser.add_argument("--seconds", type=float, default=2.0, help="timed seconds per workload and library")
    parser.add_argument("--report", help="also write the report to this file")
    parser.add_argument("--dry-run", action="store_true",
                        help="no GPU: the tests' stand-in CuPy and PyTorch on the CPU, small sizes")
    args = parser.parse_args(argv)

    if args.dry_run:
        use_stand_in()
    import engine

    if not engine.cuda.is_available():
        try:
            engine.ones(1, device="cuda")  # the engine's own words on what is missing
        except RuntimeError as error:
            log(f"gpu_check: {error}")
        return 2
    torch, torch_device = load_torch(args.dry_run)
    torch_note = None if torch is not None else torch_device

    started = datetime.datetime.now()
    report = [f"## GPU check, {started:%Y-%m-%d %H:%M}" + (" (dry run: stand-in CuPy, no GPU)" if args.dry_run else ""), ""]
    report += [f"- {line}" for line in environment(engine, torch, torch_device)]
    ok = True
    if not args.no_tests:
        pytest_args = ["-k", args.keyword] if args.keyword else []
        if args.workers:
            pytest_args += ["-n", str(args.workers)]
        lines, ok = run_tests("fake-cuda" if args.dry_run else "cuda", pytest_args, args.test_timeout)
        report += ["", "### The engine's tests on the GPU", "", *lines]
    if not args.no_bench:
        sizes = {"matmul": 4096, "batch": 512, "widths": (784, 1024, 1024, 10)}
        if args.dry_run:
            sizes = {"matmul": 256, "batch": 64, "widths": (784, 128, 10)}
        engine.manual_seed(0)
        rows = run_benchmarks(engine, torch, torch_device, sizes, args.seconds)
        report += ["", "### Beside PyTorch (median time per step, GPU synchronised around each step)", "",
                   *benchmark_table(rows, torch_note)]
    text = "\n".join(report) + "\n"
    print(text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as file:
            file.write(text)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
