"""Benchmarks: `python -m benchmarks` (or `make bench`) runs them and writes benchmarks/results/."""
