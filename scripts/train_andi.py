"""Training of the any-model network ``andi_1d`` (model classifier + exponent with uncertainty).

Run it through ``python scripts/train_pretrained.py --only andi`` (both stages of
:func:`train_two_stages`, about 45 minutes on 2 CPU cores), or one stage directly:
``python scripts/train_andi.py [--steps N] [--seed S] [--lr LR] [--init FILE.keras]``. Writes ``anomdiff/data/andi_1d.keras`` and
``andi_1d.json`` (settings, held-out scores, the calibration factor of the predicted std and
the training time).

Training data are simulated on the fly with the library's simulators, with randomized
nuisance parameters so that the network does not learn quirks of one generator:

* model uniform over the five, exponent uniform over the model's range (AnDi-1 ends:
  0.05..1 for ATTM/CTRW, 0.05..1.95 FBM, 1..2 Lévy walk, 0.05..2 SBM);
* CTRW waiting-time scale ``tau0`` log-uniform on [0.1, 10]; Lévy walks in or out of
  equilibrium (50/50);
* lengths 10..1000 (40 % uniform, 60 % log-uniform: short tracks are the hard ones and cheap);
* Gaussian localization noise of std sigma times the trajectory's step std, sigma = 0 for
  15 % of the tracks and uniform on [0, 1.2] otherwise (AnDi-1 used 0.1, 0.5 and 1);
* the scale of the positions is irrelevant: the input is divided by the rms increment.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import anomdiff as ad  # noqa: E402
from anomdiff import ml  # noqa: E402

DATA = ROOT / "anomdiff" / "data"
NAME = "andi_1d"
# Exponent range of each model in training (AnDi-1's ends within the library's ranges).
ALPHA_RANGE = {"attm": (0.05, 1.0), "ctrw": (0.05, 1.0), "fbm": (0.05, 1.95),
               "lw": (1.0, 2.0), "sbm": (0.05, 2.0)}
MAX_LEN = 1000


def draw_lengths(rng, size, lo=10, hi=MAX_LEN):
    """Integers in [lo, hi]: 40 % uniform, 60 % log-uniform."""
    uni = rng.integers(lo, hi + 1, size)
    log = np.exp(rng.uniform(np.log(lo), np.log(hi + 1), size)).astype(int)
    return np.where(rng.random(size) < 0.4, uni, np.minimum(log, hi))


def simulate_mix(rng, n_groups_per_model, T, group=4, nuisance=True, alpha_grid=None,
                 noise_levels=None):
    """Trajectories of all five models at length T: (x (N, T), labels (N,), alphas (N,)).

    ``nuisance``: random CTRW tau0 and Lévy-walk start; ``alpha_grid``: dict model -> grid
    to draw exponents from (else uniform on ALPHA_RANGE). Noise is added by ``add_noise``.
    """
    xs, labels, alphas = [], [], []
    for k, m in enumerate(ad.MODELS):
        lo, hi = ALPHA_RANGE[m]
        for _ in range(n_groups_per_model):
            a = float(rng.choice(alpha_grid[m])) if alpha_grid else float(rng.uniform(lo, hi))
            opts = {}
            if nuisance and m == "ctrw":
                opts["tau0"] = float(10 ** rng.uniform(-1, 1))
            if nuisance and m == "lw":
                opts["equilibrium"] = bool(rng.integers(2))
            xs.append(ad.simulate(m, T, a, group, rng=rng, **opts))
            labels.append(np.full(group, k))
            alphas.append(np.full(group, a))
    return np.concatenate(xs), np.concatenate(labels), np.concatenate(alphas)


def add_noise(x, n, sigma_rel, rng):
    """Gaussian localization noise of std sigma_rel times each track's step std (in place)."""
    steps = n - 1
    d = np.diff(x, axis=1)
    valid = np.arange(x.shape[1] - 1)[None, :] < steps[:, None]
    d = np.where(valid, d, 0.0)
    step_std = np.sqrt(np.sum(d * d, axis=1) / steps - (np.sum(d, axis=1) / steps) ** 2).clip(0)
    x += (sigma_rel * step_std)[:, None] * rng.standard_normal(x.shape)
    return x


def bucket_chunk(rng, width, lengths, group=4, noise=True):
    """A chunk of trajectories whose lengths all fall in one bucket: network input and targets."""
    T = width + 1
    N = len(lengths)
    per_model = -(-N // (5 * group))
    x, lab, al = simulate_mix(rng, per_model, T, group)
    order = rng.permutation(len(lab))[:N]
    x, lab, al = x[order], lab[order], al[order]
    n = np.asarray(lengths)
    x[np.arange(T)[None, :] >= n[:, None]] = np.nan
    if noise:
        sig = np.where(rng.random(N) < 0.15, 0.0, rng.uniform(0, 1.2, N))
        x = add_noise(x, n, sig, rng)
    feats, _ = ml._andi_features(x, n, width)
    y = np.stack([lab, al], axis=1).astype(np.float32)
    return feats, y


def training_chunks(rng, chunk_points=2**19):
    """Endless chunks (features, targets) from random buckets, weighted by the length law."""
    widths = np.array(ml._ANDI_WIDTHS)
    probe = draw_lengths(rng, 200_000)
    bucket_of = np.searchsorted(widths, probe - 1)
    prob = np.bincount(bucket_of, minlength=len(widths)) / probe.size
    while True:
        b = int(rng.choice(len(widths), p=prob))
        w = int(widths[b])
        N = max(256, min(4096, chunk_points // w))
        lengths = draw_lengths(rng, 8 * N)
        lengths = lengths[np.searchsorted(widths, lengths - 1) == b][:N]
        if lengths.size < N:  # rare: top up with uniform draws in the bucket
            lo = (widths[b - 1] if b else 8) + 2
            lengths = np.concatenate([lengths, rng.integers(lo, min(w + 1, MAX_LEN) + 1, N - lengths.size)])
        yield bucket_chunk(rng, w, lengths)


def heldout_set(seed, N=5000):
    """AnDi-like held-out trajectories: lengths U(10, 1000), noise sigma in {0.1, 0.5, 1}."""
    rng = np.random.default_rng(seed)
    x, lab, al = simulate_mix(rng, -(-N // 5), MAX_LEN, group=1)
    n = rng.integers(10, MAX_LEN + 1, len(lab))
    x[np.arange(MAX_LEN)[None, :] >= n[:, None]] = np.nan
    x = add_noise(x, n, rng.choice([0.1, 0.5, 1.0], len(lab)), rng)
    return x, lab, al, n


def evaluate(model, x, lab, al, n):
    """Outputs of ``model`` on NaN-padded x (via the same bucketing as predict)."""
    with warnings.catch_warnings():  # immobile tracks: NaN rows, left out by scores()
        warnings.simplefilter("ignore", RuntimeWarning)
        return ml._andi_outputs(x, "output", net=model)[0]


def scores(out, lab, al, n, scale=1.0):
    ok = np.all(np.isfinite(out), axis=1)  # immobile tracks (no output) left out
    out, lab, al, n = out[ok], lab[ok], al[ok], n[ok]
    pred = np.argmax(out[:, :5], axis=1)
    err = np.abs(out[:, 5] - al)
    std = np.exp(0.5 * np.clip(out[:, 6], -10, 4)) * scale
    bands = [(10, 50), (51, 200), (201, 500), (501, 1000)]
    return {
        "accuracy": float(np.mean(pred == lab)),
        "mae": float(err.mean()),
        "mae_by_length": {f"{a}-{b}": float(err[(n >= a) & (n <= b)].mean()) for a, b in bands},
        "mae_by_model": {m: float(err[lab == k].mean()) for k, m in enumerate(ad.MODELS)},
        "coverage95": float(np.mean(err <= 1.959964 * std)),
        "immobile_left_out": int((~ok).sum()),
    }


def train_andi(seed=2031, steps=3800, batch=128, lr=2e-3, filters=32, log_every=100, n_cal=4000,
               n_test=5000, init=None):
    """Train (``init=None``) or continue training the network in the file ``init``; save it."""
    import keras

    ml.set_seed(seed)
    rng = np.random.default_rng(seed)
    sched = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=0.02, warmup_target=None)
    model = ml.build_andi_network(filters=filters, learning_rate=sched)
    previous = None
    if init is not None:  # a second stage: same architecture, weights of the first stage
        model.set_weights(keras.saving.load_model(init, compile=False).get_weights())
        previous = json.loads(Path(init).with_suffix(".json").read_text())
        previous.pop("reference_output", None)
    print(f"{NAME}: {model.count_params()} weights, {steps} steps of {batch}", flush=True)
    chunks = training_chunks(rng)
    t0 = time.perf_counter()
    step, run_loss, seen = 0, [], 0
    while step < steps:
        feats, y = next(chunks)
        for i in range(0, len(y) - batch + 1, batch):
            loss = model.train_on_batch(feats[i:i + batch], y[i:i + batch])
            run_loss.append(float(loss))
            step += 1
            seen += batch
            if step % log_every == 0 or step == steps:
                el = time.perf_counter() - t0
                print(f"{NAME} step {step}/{steps} loss={np.mean(run_loss):.4f} "
                      f"({el / 60:.1f} min, ~{el / step * (steps - step) / 60:.0f} min left)", flush=True)
                run_loss = []
            if step >= steps:
                break
    train_seconds = time.perf_counter() - t0
    # Calibration of the predicted std on one held-out set, scores on another.
    cal = heldout_set(seed + 1, n_cal)
    out_cal = evaluate(model, *cal)
    z = np.abs(out_cal[:, 5] - cal[2]) / np.exp(0.5 * np.clip(out_cal[:, 6], -10, 4))
    scale = float(np.quantile(z[np.isfinite(z)], 0.95) / 1.959964)
    test = heldout_set(seed + 2, n_test)
    out_test = evaluate(model, *test)
    meta = {
        "name": NAME, "builder": "anomdiff.ml.build_andi_network", "seed": seed,
        "train": (f"{steps} steps x batch {batch} fresh trajectories (scripts/train_andi.py): five "
                  "models, alpha uniform in each model's AnDi-1 range, lengths 10..1000 (40% "
                  "uniform, 60% log-uniform), CTRW tau0 log-uniform [0.1, 10], Levy walk "
                  "equilibrium True/False, noise sigma 0 (15%) or U(0, 1.2) step std; "
                  f"Adam {lr} cosine decay; loss andi_loss"),
        "std_scale": scale,
        "std_scale_fit": f"95% quantile of |error| / std on {n_cal} held-out AnDi-like tracks, / 1.96",
        "heldout": f"{n_test} tracks: lengths U(10, 1000), noise sigma in {0.1, 0.5, 1} step std",
        "heldout_scores": scores(out_test, *test[1:], scale=scale),
        "heldout_coverage95_uncalibrated": scores(out_test, *test[1:])["coverage95"],
        "train_seconds": round(train_seconds),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    if previous is not None:
        meta["train"] = "continued from the previous stage: " + meta["train"]
        meta["previous_stage"] = previous
        meta["train_seconds_all_stages"] = round(train_seconds) + previous.get(
            "train_seconds_all_stages", previous["train_seconds"])
    save(model, meta)
    return model, meta


def train_two_stages():
    """The shipped network: 3800 steps at lr 2e-3 (seed 2031), then 5000 more at lr 1e-3
    (seed 2032) from the first stage's weights. Measured on 2 CPU cores shared with other
    jobs, JAX backend: 24 min + 20 min."""
    train_andi(seed=2031, steps=3800, lr=2e-3)
    train_andi(seed=2032, steps=5000, lr=1e-3, init=DATA / f"{NAME}.keras")


def save(model, meta):
    DATA.mkdir(exist_ok=True)
    x = np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1)
    feats, _ = ml.andi_input(x)
    meta["reference_input"] = ("ml.andi_input(np.cumsum(np.random.default_rng(123)"
                               ".standard_normal((6, 150)), axis=1))[0]")
    meta["reference_output"] = np.asarray(model.predict_on_batch(feats)).round(6).tolist()
    path = DATA / f"{NAME}.keras"
    model.compile(optimizer="adam", loss=ml.andi_loss)  # weights only, no optimizer state
    model.save(path)
    (DATA / f"{NAME}.json").write_text(json.dumps(meta, indent=1) + "\n")
    ml._load_cached.cache_clear()
    ml._andi_meta.cache_clear()
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): "
          f"{json.dumps(meta['heldout_scores'])}, std_scale={meta['std_scale']:.3f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3800)
    parser.add_argument("--seed", type=int, default=2031)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--init", help="continue from this .keras file (its .json beside it)")
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--heldout", type=int, nargs=2, default=(4000, 5000),
                        help="sizes of the calibration and test sets")
    args = parser.parse_args()
    train_andi(seed=args.seed, steps=args.steps, lr=args.lr, log_every=args.log_every,
               n_cal=args.heldout[0], n_test=args.heldout[1], init=args.init)
