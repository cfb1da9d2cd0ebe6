"""Shared timing helper for the benchmark scripts."""

import time


def best_time(fn, repeat=3):
    """Best wall-clock time of ``repeat`` calls of ``fn()`` (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
