"""Speed of the simulators relative to the floor: drawing N x T standard normals.

Run: python benchmarks/simulators.py

For N = 1000 and T in {200, 1000}, each model is timed (best of 3) together with the floor,
drawn from the same Generator in the same run, and the ratio is printed. Targets (issue 2):
FBM <= 4x, SBM <= 2x, CTRW, Lévy walk and ATTM <= 8x; CTRW with N = 1000, T = 100 000
under 5 s.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomdiff as ad  # noqa: E402
from _timing import best_time  # noqa: E402

TARGETS = {"fbm": 4, "sbm": 2, "ctrw": 8, "lw": 8, "attm": 8}
# A typical exponent per model, then the most expensive one where that differs.
CASES = [("attm", 0.5), ("attm", 1.0), ("ctrw", 0.5), ("ctrw", 0.9), ("fbm", 0.5), ("fbm", 1.5),
         ("lw", 1.5), ("lw", 1.0), ("sbm", 0.5)]


def main():
    rng = np.random.default_rng(0)
    N = 1000
    print(f"{'model':6} {'alpha':>5} {'T':>6} {'time [ms]':>10} {'floor [ms]':>10} {'ratio':>6} {'target':>6}")
    worst_ok = True
    for T in (200, 1000):
        for model, alpha in CASES:
            floor = best_time(lambda: rng.standard_normal((N, T)))
            t = best_time(lambda: ad.simulate(model, T, alpha, N, rng=rng))
            ratio = t / floor
            ok = ratio <= TARGETS[model]
            worst_ok &= ok
            print(f"{model:6} {alpha:5.2f} {T:6d} {1e3 * t:10.1f} {1e3 * floor:10.1f} {ratio:6.1f} "
                  f"{'<= ' + str(TARGETS[model]):>6} {'ok' if ok else 'MISSED'}")
    for alpha in (0.5, 0.9):
        t = best_time(lambda: ad.simulate("ctrw", 100_000, alpha, 1000, rng=rng), repeat=1)
        print(f"ctrw alpha={alpha} N=1000 T=100000: {t:.2f} s (target < 5 s) {'ok' if t < 5 else 'MISSED'}")
    print("all ratio targets met" if worst_ok else "some ratio targets missed")


if __name__ == "__main__":
    main()
