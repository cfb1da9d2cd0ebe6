"""Speed of the simulators relative to the floor: drawing N x T x dim standard normals.

Run: python benchmarks/simulators.py

For N = 1000, T in {200, 1000} and dim in {1, 2}, each model is timed (best of 3) together
with the floor, drawn from the same Generator in the same run, and the ratio is printed.
Targets (issue 2): FBM <= 4x, SBM <= 2x, CTRW, Lévy walk and ATTM <= 8x; CTRW with
N = 1000, T = 100 000 under 5 s. Then the peak memory of one long FBM trajectory
(tracemalloc, numpy's allocations) against the size of its result.
"""

import sys
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomdiff as ad  # noqa: E402
from _timing import best_time  # noqa: E402

TARGETS = {"fbm": 4, "sbm": 2, "ctrw": 8, "lw": 8, "attm": 8}
# A typical exponent per model, then the most expensive one where that differs; options
# other than the defaults (CTRW tau0 = 1, LW in equilibrium) in the third column.
CASES = [("attm", 0.5, {}), ("attm", 1.0, {}), ("ctrw", 0.5, {}), ("ctrw", 0.9, {}),
         ("ctrw", 0.5, {"tau0": 0.01}), ("fbm", 0.5, {}), ("fbm", 1.5, {}), ("lw", 1.5, {}),
         ("lw", 1.5, {"equilibrium": False}), ("lw", 1.0, {}), ("sbm", 0.5, {})]


def main():
    rng = np.random.default_rng(0)
    N = 1000
    print(f"{'model':6} {'alpha':>5} {'options':18} {'dim':>3} {'T':>6} {'time [ms]':>10} "
          f"{'floor [ms]':>10} {'ratio':>6} {'target':>6}")
    worst_ok = True
    for dim in (1, 2):
        for T in (200, 1000):
            for model, alpha, options in CASES:
                floor = best_time(lambda: rng.standard_normal((N, T, dim)))
                t = best_time(lambda: ad.simulate(model, T, alpha, N, dim=dim, rng=rng, **options))
                ratio = t / floor
                ok = ratio <= TARGETS[model]
                worst_ok &= ok
                opts = ",".join(f"{k}={v}" for k, v in options.items()) or "-"
                print(f"{model:6} {alpha:5.2f} {opts:18} {dim:3d} {T:6d} {1e3 * t:10.1f} "
                      f"{1e3 * floor:10.1f} {ratio:6.1f} {'<= ' + str(TARGETS[model]):>6} "
                      f"{'ok' if ok else 'MISSED'}")
    for alpha in (0.5, 0.9):
        t = best_time(lambda: ad.simulate("ctrw", 100_000, alpha, 1000, rng=rng), repeat=1)
        print(f"ctrw alpha={alpha} N=1000 T=100000: {t:.2f} s (target < 5 s) {'ok' if t < 5 else 'MISSED'}")
    print("all ratio targets met" if worst_ok else "some ratio targets missed")
    tracemalloc.start()
    x = ad.simulate("fbm", 10**7, 0.5, 1, rng=rng)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"fbm T=10^7 N=1: result {x.nbytes / 1e6:.0f} MB, peak {peak / 1e6:.0f} MB "
          f"({peak / x.nbytes:.1f}x the result)")


if __name__ == "__main__":
    main()
