"""`python -m bench`: the engine benchmarks (the magic's own are in bench/bench_magic.py)."""
from .engine_bench import main

main()
