"""AnDi-1 tasks 1 (exponent) and 2 (model) in 1-D, with the library's simulators.

Usage (from the repository root)::

    python benchmarks/andi_protocol.py            # 10 000 trajectories (a few minutes)
    python benchmarks/andi_protocol.py --quick    # 2 000 trajectories, for a smoke test
    python benchmarks/andi_protocol.py --n 20000 --seed 7

The protocol follows the AnDi challenge (Muñoz-Gil et al., Nat. Commun. 12, 6253 (2021),
doi:10.1038/s41467-021-26320-w), tasks 1 and 2 in one dimension:

* model uniform over the five of :data:`anomdiff.MODELS`, simulated with
  :func:`anomdiff.simulate` and its default options (CTRW ``tau0 = 1``, Lévy walk in
  equilibrium; the network was trained with these randomized, so they are not a quirk it saw);
* exponent uniform on the challenge's grid 0.05, 0.10, ..., 2.00 restricted to the model's
  admitted range (ATTM, CTRW 0.05..1; FBM 0.05..1.95; Lévy walk 1..2; SBM 0.05..2);
* Gaussian localization noise of std sigma times the step std of the 1000-point trajectory,
  sigma drawn from {0.1, 0.5, 1}, then the trajectory cut to its first n points, n uniform in
  10..1000. This is the challenge's order (its generator normalizes each 1000-point
  trajectory to unit step std, adds noise of std 0.1, 0.5 or 1, then cuts): relative to the
  steps of the kept part the noise can be much larger, e.g. a CTRW that does not jump
  before it is cut is pure noise, and superdiffusive SBM's early steps are small.

Prints, for the pretrained network (``ad.ml.predict_model`` and ``ad.ml.predict_alpha``):
task 1 MAE overall, by length band, by model and by noise level; task 2 micro-F1 (= accuracy
for one label per trajectory), F1 per model, the confusion matrix; the coverage of the 95 %
intervals ``alpha ± 1.96 std`` (with its binomial standard error); the same MAE tables for
the TA-MSD fit baseline (log-log least squares over lags 1..max(2, floor(n / 10))); and the
measurement behind "one network for all lengths": on clean FBM at T = 200 the any-length
network against the FBM specialist trained at T = 200 only, and the output of a trajectory
alone against the same trajectory NaN-padded to 1000 points.

Targets of issue 11: micro-F1 >= 0.85, MAE <= 0.15, 95 % coverage 93-97 %. The AnDi paper
reports MAE 0.334 for its TA-MSD baseline on the challenge's data.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import anomdiff as ad  # noqa: E402
from anomdiff import ml  # noqa: E402

MAX_LEN = 1000
BANDS = [(10, 50), (51, 200), (201, 500), (501, 1000)]
NOISE = (0.1, 0.5, 1.0)
_GRID = np.round(np.arange(1, 41) * 0.05, 2)  # 0.05 .. 2.00
# The challenge's grid restricted to each model's admitted range.
ALPHA_GRID = {
    "attm": _GRID[_GRID <= 1.0],
    "ctrw": _GRID[_GRID <= 1.0],
    "fbm": _GRID[_GRID < 2.0],
    "lw": _GRID[_GRID >= 1.0],
    "sbm": _GRID,
}


def andi_dataset(N, rng):
    """N AnDi-1 1-D trajectories, NaN-padded to 1000 points.

    Returns x (N, 1000), model labels (N,), exponents (N,), lengths (N,), noise sigma (N,).
    """
    labels = rng.integers(0, len(ad.MODELS), N)
    alphas = np.empty(N)
    x = np.full((N, MAX_LEN), np.nan)
    for k, m in enumerate(ad.MODELS):
        rows = np.flatnonzero(labels == k)
        alphas[rows] = rng.choice(ALPHA_GRID[m], rows.size)
        for a in np.unique(alphas[rows]):  # one simulate call per (model, alpha)
            r = rows[alphas[rows] == a]
            x[r] = ad.simulate(m, MAX_LEN, float(a), r.size, rng=rng)
    sigma = rng.choice(NOISE, N)
    step_std = np.std(np.diff(x, axis=1), axis=1)  # of the whole 1000-point trajectory
    x += (sigma * step_std)[:, None] * rng.standard_normal(x.shape)
    n = rng.integers(10, MAX_LEN + 1, N)
    x[np.arange(MAX_LEN)[None, :] >= n[:, None]] = np.nan
    return x, labels, alphas, n, sigma


def tamsd_baseline(x, n):
    """TA-MSD fit: log-log least squares over lags 1..max(2, floor(n / 10)) of each track."""
    top = np.maximum(2, n // 10)
    lags = np.arange(1, int(top.max()) + 1)
    msd = ad.tamsd(x, lags)
    use = (lags[None, :] <= top[:, None]) & (msd > 0)
    lx = np.log(lags)[None, :] * use
    with np.errstate(divide="ignore", invalid="ignore"):
        ly = np.where(use, np.log(msd), 0.0)
    k = use.sum(axis=1)
    mx, my = lx.sum(axis=1) / k, ly.sum(axis=1) / k
    cov = (lx * ly).sum(axis=1) / k - mx * my
    var = (lx * lx).sum(axis=1) / k - mx * mx
    return cov / var


def mae_table(name, pred, alphas, labels, n, sigma):
    err = np.abs(pred - alphas)
    ok = np.isfinite(err)
    row = [f"{np.mean(err[ok]):.3f}"]
    row += [f"{np.mean(err[ok & (n >= a) & (n <= b)]):.3f}" for a, b in BANDS]
    row += [f"{np.mean(err[ok & (labels == k)]):.3f}" for k in range(len(ad.MODELS))]
    row += [f"{np.mean(err[ok & (sigma == s)]):.3f}" for s in NOISE]
    print(f"{name:<22}" + "".join(f"{v:>9}" for v in row))


def mae_header():
    cols = ["all"] + [f"{a}-{b}" for a, b in BANDS] + list(ad.MODELS) + [f"s={s:g}" for s in NOISE]
    print(f"{'MAE':<22}" + "".join(f"{c:>9}" for c in cols))


def f1_scores(labels, pred):
    K = len(ad.MODELS)
    conf = np.zeros((K, K), dtype=int)
    np.add.at(conf, (labels, pred), 1)
    tp = np.diag(conf)
    with np.errstate(invalid="ignore", divide="ignore"):
        prec = tp / conf.sum(axis=0)
        rec = tp / conf.sum(axis=1)
        f1 = 2 * prec * rec / (prec + rec)
    return conf, f1, tp.sum() / conf.sum()


def coverage_line(name, inside, mask):
    c = inside[mask].mean()
    se = np.sqrt(0.95 * 0.05 / mask.sum())
    return f"{name:<16} {c:6.3f}  (n = {mask.sum():5d}, 0.95 ± {2 * se:.3f} at 2 binomial SE)"


def one_network_check(rng):
    """Any-length network vs FBM specialist on clean FBM, T = 200; padding invariance."""
    alphas = rng.uniform(0.2, 1.8, 2000)
    x = np.concatenate([ad.simulate("fbm", 200, a, 1, rng=rng) for a in alphas])
    any_net = ml.predict_alpha(x)
    fbm_net = ml.predict_alpha(x, model="fbm")
    crlb = np.mean(np.sqrt(2 / np.pi) * np.interp(alphas, ml._CRLB_GRID, ml._crlb_on_grid(200)))
    print(f"clean FBM, T = 200, alpha ~ U(0.2, 1.8), 2000 tracks: MAE any-model network "
          f"{np.mean(np.abs(any_net - alphas)):.3f}, FBM specialist {np.mean(np.abs(fbm_net - alphas)):.3f}, "
          f"sqrt(2/pi) CRLB {crlb:.3f}")
    short = ad.simulate("sbm", 37, 0.6, 8, rng=rng)
    padded = np.full((8, MAX_LEN), np.nan)
    padded[:, :37] = short
    p1, p2 = ml.predict_model(short), ml.predict_model(padded)
    a1, a2 = ml.predict_alpha(short), ml.predict_alpha(padded)
    print(f"padding invariance (8 tracks of 37 points alone vs padded to {MAX_LEN}): max |diff| "
          f"probabilities {np.max(np.abs(p1 - p2)):.1e}, exponents {np.max(np.abs(a1 - a2)):.1e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of trajectories")
    parser.add_argument("--seed", type=int, default=20210)
    parser.add_argument("--quick", action="store_true", help="2000 trajectories")
    args = parser.parse_args()
    N = 2000 if args.quick else args.n
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    x, labels, alphas, n, sigma = andi_dataset(N, rng)
    print(f"AnDi-1 protocol, 1-D: {N} trajectories (seed {args.seed}), lengths U(10, 1000), "
          f"noise sigma in {NOISE} step std; simulated in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    with warnings.catch_warnings():  # immobile tracks: counted below instead
        warnings.simplefilter("ignore", RuntimeWarning)
        prob = ml.predict_model(x)
        alpha, std = ml.predict_alpha(x, return_std=True)
        t_net = time.perf_counter() - t0
        t0 = time.perf_counter()
        base = tamsd_baseline(x, n)
    t_base = time.perf_counter() - t0
    print(f"network: {t_net:.0f} s for both outputs; TA-MSD fit: {t_base:.1f} s")
    mobile = np.isfinite(alpha)
    print(f"{(~mobile).sum()} immobile trajectories (all positions equal: CTRW/ATTM that never "
          f"moved, noise 0 x step std 0) have no output and are left out below, except where "
          f"stated\n")

    print("Task 1, exponent: mean absolute error (target <= 0.15; AnDi paper's TA-MSD baseline 0.334)")
    mae_header()
    mae_table("network", alpha, alphas, labels, n, sigma)
    mae_table("TA-MSD fit", base, alphas, labels, n, sigma)

    pred = np.argmax(np.nan_to_num(prob, nan=-1.0), axis=1)
    conf, f1, micro = f1_scores(labels[mobile], pred[mobile])
    print(f"\nTask 2, model: micro-F1 = {micro:.3f} (target >= 0.85); {np.trace(conf) / N:.3f} "
          f"if the {(~mobile).sum()} immobile tracks count as wrong")
    print("F1 per model: " + ", ".join(f"{m} {v:.3f}" for m, v in zip(ad.MODELS, f1)))
    hit = pred == labels
    print("accuracy by length band: " + ", ".join(
        f"{a}-{b}: {np.mean(hit[mobile & (n >= a) & (n <= b)]):.3f}" for a, b in BANDS))
    print("accuracy by noise: " + ", ".join(
        f"sigma={s:g}: {np.mean(hit[mobile & (sigma == s)]):.3f}" for s in NOISE))
    print("confusion matrix (rows: true model, columns: predicted; fraction of the row)")
    print(" " * 6 + "".join(f"{m:>8}" for m in ad.MODELS))
    for k, m in enumerate(ad.MODELS):
        print(f"{m:<6}" + "".join(f"{v:8.3f}" for v in conf[k] / conf[k].sum()))

    inside = np.abs(alpha - alphas) <= 1.959964 * std
    print("\n95 % intervals alpha ± 1.96 std: coverage (target 0.93-0.97)")
    print(coverage_line("all", inside, mobile))
    for a, b in BANDS:
        print(coverage_line(f"length {a}-{b}", inside, mobile & (n >= a) & (n <= b)))
    for k, m in enumerate(ad.MODELS):
        print(coverage_line(f"model {m}", inside, mobile & (labels == k)))
    for s in NOISE:
        print(coverage_line(f"noise {s:g}", inside, mobile & (sigma == s)))
    print(f"median std: {np.nanmedian(std):.3f}; mean interval width {np.nanmean(2 * 1.96 * std):.3f}")

    print("\nOne network for all lengths:")
    one_network_check(rng)


if __name__ == "__main__":
    main()
