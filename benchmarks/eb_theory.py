"""EB at finite length: simulation against ``ad.theory.eb``, its cost, and how long to measure.

Run: python benchmarks/eb_theory.py [--quick]

1. Table: model, alpha, lag, t, simulated EB +- standard error (8 blocks of the ensemble),
   ``theory.eb`` (where a finite-t theory exists) and ``theory.eb_limit``.
2. Cost of ``theory.eb`` for 10^4 values of t (target < 10 ms).
3. "How long must I measure?": ``theory.eb_length``: for the CTRW the length where EB is
   within 5 % of its limit; for FBM and SBM (limit 0) the length where EB < 0.05. The
   ATTM and the Lévy walk have no finite-t theory: their measured EB is shown instead.

The full run takes a few minutes on one core (the CTRW at small tau0 dominates).
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anomdiff as ad  # noqa: E402
from anomdiff import theory  # noqa: E402
from _timing import best_time  # noqa: E402

QUICK = "--quick" in sys.argv
BLOCKS = 8

#: (model, alpha, options, T, N); lags 1 and 5, t = 100, 1000, T.
CASES = [
    ("fbm", 0.5, {}, 1000, 8000),
    ("fbm", 1.0, {}, 1000, 8000),
    ("fbm", 1.7, {}, 1000, 8000),
    ("sbm", 0.5, {}, 1000, 8000),
    ("sbm", 1.5, {}, 1000, 8000),
    ("ctrw", 0.3, {"tau0": 1.0}, 10_000, 8000),
    ("ctrw", 0.5, {"tau0": 1.0}, 10_000, 8000),
    ("ctrw", 0.5, {"tau0": 0.01}, 10_000, 8000),
    ("ctrw", 0.8, {"tau0": 1.0}, 10_000, 8000),
    ("attm", 0.5, {}, 10_000, 4000),
    ("lw", 1.5, {}, 10_000, 2000),
]


def simulated_eb(model, alpha, options, T, N, lag, ts, seed):
    """EB at the cut lengths ts over N trajectories, with a standard error over 8 blocks."""
    ms = []
    for b in range(BLOCKS):
        x = ad.simulate(model, T, alpha, N // BLOCKS, rng=seed + b, **options)
        s = np.cumsum((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
        ms.append(s[:, np.asarray(ts) - lag - 1])

    def eb(m):
        return np.mean(m**2, axis=0) / np.mean(m, axis=0) ** 2 - 1

    full = eb(np.concatenate(ms))
    blocks = np.array([eb(m) for m in ms])
    return full, blocks.std(axis=0, ddof=1) / np.sqrt(BLOCKS)


def main():
    print("1. EB: simulation (8-block standard error) against theory.eb and theory.eb_limit")
    print(f"{'model':5} {'alpha':>5} {'options':14} {'lag':>3} {'t':>6} {'simulated EB':>18} "
          f"{'theory.eb':>10} {'limit':>7} {'(sim-th)/SE':>11}")
    for i, (model, alpha, options, T, N) in enumerate(CASES):
        if QUICK:
            T, N = min(T, 1000), min(N, 2000)
        ts = [100, 1000, T] if T > 1000 else [100, T]
        for lag in (1, 5):
            sim, se = simulated_eb(model, alpha, options, T, N, lag, ts, seed=1000 * i + lag)
            try:
                th = theory.eb(model, alpha, lag, ts, **options)
            except ValueError:
                th = np.full(len(ts), np.nan)
            limit = theory.eb_limit(model, alpha)
            opt = ",".join(f"{k}={v:g}" for k, v in options.items())
            for t, s, e, v in zip(ts, sim, se, th):
                z = (s - v) / e if np.isfinite(v) else np.nan
                th_text = f"{v:10.4f}" if np.isfinite(v) else f"{'-':>10}"
                z_text = f"{z:11.1f}" if np.isfinite(z) else f"{'-':>11}"
                print(f"{model:5} {alpha:5.2f} {opt:14} {lag:3d} {t:6d} {s:9.4f} ± {e:6.4f} "
                      f"{th_text} {limit:7.4f} {z_text}")
        sys.stdout.flush()

    print("\n2. Cost of theory.eb for 10^4 values of t (t = lag+1 .. lag+10^4), best of 5")
    for model, alpha, lag, options in [("fbm", 0.5, 1, {}), ("fbm", 1.5, 10, {}),
                                       ("sbm", 0.5, 1, {}), ("sbm", 1.5, 10, {}),
                                       ("ctrw", 0.5, 2, {"tau0": 1.0})]:
        t = np.arange(lag + 1, lag + 10_001)
        sec = best_time(lambda: theory.eb(model, alpha, lag, t, **options), repeat=5)
        print(f"  {model:4} alpha={alpha:<4} lag={lag:<3} {1e3 * sec:7.2f} ms  (target < 10 ms)")

    print("\n3. How long must I measure? theory.eb_length (lag 1 and 5)")
    print("   CTRW: EB within 5 % of its limit; FBM, SBM: EB < 0.05")
    for model, alpha, options in [("ctrw", 0.3, {"tau0": 1.0}), ("ctrw", 0.5, {"tau0": 1.0}),
                                  ("ctrw", 0.5, {"tau0": 0.01}), ("ctrw", 0.8, {"tau0": 1.0}),
                                  ("ctrw", 0.9, {"tau0": 1.0}), ("fbm", 0.5, {}), ("fbm", 1.0, {}),
                                  ("fbm", 1.5, {}), ("fbm", 1.9, {}), ("sbm", 0.3, {}),
                                  ("sbm", 0.5, {}), ("sbm", 1.5, {})]:
        texts = []
        for lag in (1, 5):
            try:
                texts.append(f"{theory.eb_length(model, alpha, lag, **options):12.4g}")
            except ValueError:  # EB ~ (lag/t)^(4 - 2 alpha): very slow above alpha = 3/2
                texts.append(f"{'> 1e8':>12}")
        opt = ",".join(f"{k}={v:g}" for k, v in options.items())
        print(f"  {model:4} alpha={alpha:<4} {opt:10} lag 1: t = {texts[0]}   lag 5: t = {texts[1]}")
    print("  attm, lw: no finite-t theory (see the measured rows of table 1); the ATTM")
    print("  approaches the CTRW limit with an excess ~ 1/m(t), m = t^a / Gamma(1+a).")


if __name__ == "__main__":
    main()
