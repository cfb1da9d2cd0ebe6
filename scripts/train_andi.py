"""Training of the any-model network ``andi_1d`` (model classifier + exponent with uncertainty).

Run it through ``python scripts/train_pretrained.py --only andi`` (:func:`train_shipped`:
two networks of 14 000 steps each, about 35 minutes each on 2 CPU cores, combined into one
ensemble; the times are in ``andi_1d.json``), or step by step:
``python scripts/train_andi.py [--steps N] [--seed S] [--lr LR] [--init FILE.keras]
[--save-to FILE.keras]`` (``--init``: continue from a saved network), then
``python scripts/train_andi.py --combine A.keras B.keras`` (the ensemble, calibrated and
saved as the shipped network); ``--recalibrate`` refits only the std factors.
Writes ``anomdiff/data/andi_1d.keras`` and ``andi_1d.json`` (settings, held-out scores, the calibration factors of the predicted std and
the training time).

Training data are simulated on the fly with the library's simulators, with randomized
nuisance parameters so that the network does not learn quirks of one generator:

* model uniform over the five, exponent uniform over the model's range (AnDi-1 ends:
  0.05..1 for ATTM/CTRW, 0.05..1.95 FBM, 1..2 Lévy walk, 0.05..2 SBM);
* CTRW waiting-time scale ``tau0`` log-uniform on [0.1, 10]; Lévy walks in or out of
  equilibrium (50/50); ATTM diffusivities ``D = (1 + tau)**(-1/gamma)`` with gamma
  log-uniform on [0.1, min(4, 1 / (1 - alpha))] (Massignan's regime 1; the library's
  simulator fixes gamma = 0.5, the AnDi generator draws it at random);
* lengths 10..1000 (40 % uniform, 60 % log-uniform: short tracks are the hard ones and cheap),
  each the first n points of a 1001-point trajectory;
* Gaussian localization noise of std sigma times a step std, sigma = 0 for 15 % of the
  tracks and uniform on [0, 1.2] otherwise (AnDi-1 used 0.1, 0.5 and 1). The step std is the
  kept part's for half of the tracks and, for the other half, that of a longer stretch of
  the parent trajectory (as the AnDi generator, which scales the noise to the whole
  1000-point trajectory before cutting it);
* the scale of the positions is irrelevant: the input is divided by the rms increment.

The std of the exponent is calibrated on 10 000 held-out tracks (four factors, one per bin
of the largest model probability) and the scores are measured on 5000 others; both sets are
made like the AnDi-1 protocol of ``benchmarks/andi_protocol.py``.
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
from anomdiff.models import _attm  # noqa: E402  (the ATTM with its gamma as a parameter)

DATA = ROOT / "anomdiff" / "data"
NAME = "andi_1d"
# Exponent range of each model in training (AnDi-1's ends within the library's ranges).
ALPHA_RANGE = {"attm": (0.05, 1.0), "ctrw": (0.05, 1.0), "fbm": (0.05, 1.95),
               "lw": (1.0, 2.0), "sbm": (0.05, 2.0)}
MAX_LEN = 1000
# ATTM diffusivity exponent in training: log-uniform in [0.1, min(4, 1 / (1 - alpha))].
ATTM_GAMMA_MIN, ATTM_GAMMA_MAX = 0.1, 4.0
# Fraction of tracks whose noise is scaled by the step std of a longer parent trajectory.
PARENT_NOISE = 0.5


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
            if nuisance and m == "attm":
                # D = (1 + tau)**(-1/gamma): gamma log-uniform over Massignan's regime 1
                # (gamma < 1 / (1 - alpha)), not only the library's ATTM_GAMMA.
                top = min(ATTM_GAMMA_MAX, 1.0 / (1.0 - a)) if a < 1 else ATTM_GAMMA_MAX
                gamma = float(np.exp(rng.uniform(np.log(ATTM_GAMMA_MIN), np.log(top))))
                xs.append(_attm(group, T, a, rng, gamma=gamma)[..., 0])
            else:
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
    """A chunk of trajectories whose lengths all fall in one bucket: network input and targets.

    The tracks are the first n points of trajectories of MAX_LEN + 1 points. The noise std is
    sigma times the step std of the kept part (half of the tracks) or of a longer stretch of
    the parent trajectory (the other half; as in the AnDi challenge, which scaled the noise
    to the whole 1000-point trajectory): the noise relative to the kept steps then varies
    beyond sigma, e.g. a CTRW that does not jump in the kept part is pure noise.
    """
    T = width + 1
    N = len(lengths)
    per_model = -(-N // (5 * group))
    T_sim = max(T, MAX_LEN + 1)
    x, lab, al = simulate_mix(rng, per_model, T_sim, group)
    order = rng.permutation(len(lab))[:N]
    x, lab, al = x[order], lab[order], al[order]
    n = np.asarray(lengths)
    if noise:
        ref = np.where(rng.random(N) < PARENT_NOISE, rng.integers(n, T_sim + 1), n)
        x[np.arange(T_sim)[None, :] >= ref[:, None]] = np.nan
        sig = np.where(rng.random(N) < 0.15, 0.0, rng.uniform(0, 1.2, N))
        x = add_noise(x, ref, sig, rng)
    x = x[:, :T]
    x[np.arange(T)[None, :] >= n[:, None]] = np.nan
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
    """AnDi-like held-out trajectories: noise of std sigma in {0.1, 0.5, 1} times the step std
    of the 1000-point trajectory, then cut to its first n points, n uniform in 10..1000."""
    rng = np.random.default_rng(seed)
    x, lab, al = simulate_mix(rng, -(-N // 5), MAX_LEN, group=1)
    x = add_noise(x, np.full(len(lab), MAX_LEN), rng.choice([0.1, 0.5, 1.0], len(lab)), rng)
    n = rng.integers(10, MAX_LEN + 1, len(lab))
    x[np.arange(MAX_LEN)[None, :] >= n[:, None]] = np.nan
    return x, lab, al, n


def evaluate(model, x, lab, al, n):
    """Outputs of ``model`` on NaN-padded x (via the same bucketing as predict)."""
    with warnings.catch_warnings():  # immobile tracks: NaN rows, left out by scores()
        warnings.simplefilter("ignore", RuntimeWarning)
        return ml._andi_outputs(x, "output", net=model)[0]


# Bins of the network's confidence (largest model probability) with one std factor each: the
# less sure the network is of the model, the wider the exponent's interval must be.
CONFIDENCE_EDGES = (0.6, 0.8, 0.95)
UNCALIBRATED = {"confidence_edges": list(CONFIDENCE_EDGES), "scales": [1.0] * (len(CONFIDENCE_EDGES) + 1)}


def fit_std_calibration(out, al):
    """Factors of the predicted std, one per confidence bin, from held-out outputs.

    Each factor is the 95 % quantile of ``|error| / e^{s/2}`` over the held-out tracks in its
    bin, divided by 1.96, so that ``alpha ± 1.96 std`` covers 95 % within each bin.
    """
    ok = np.all(np.isfinite(out), axis=1)
    out, al = out[ok], al[ok]
    z = np.abs(out[:, 5] - al) / ml._andi_std(out, UNCALIBRATED)
    bins = ml._andi_confidence_bins(out, CONFIDENCE_EDGES)
    scales = [float(np.quantile(z[bins == b], 0.95) / 1.959964) for b in range(len(CONFIDENCE_EDGES) + 1)]
    return {"confidence_edges": list(CONFIDENCE_EDGES), "scales": scales,
            "held_out_tracks_per_bin": np.bincount(bins, minlength=len(scales)).tolist(),
            "fit": (f"95% quantile of |error| / e^(s/2) / 1.96 in each bin of the largest model "
                    f"probability, on {int(ok.sum())} held-out AnDi-like tracks")}


def scores(out, lab, al, n, calibration=UNCALIBRATED):
    ok = np.all(np.isfinite(out), axis=1)  # immobile tracks (no output) left out
    out, lab, al, n = out[ok], lab[ok], al[ok], n[ok]
    pred = np.argmax(out[:, :5], axis=1)
    err = np.abs(out[:, 5] - al)
    inside = err <= 1.959964 * ml._andi_std(out, calibration)
    bands = [(10, 50), (51, 200), (201, 500), (501, 1000)]
    return {
        "accuracy": float(np.mean(pred == lab)),
        "mae": float(err.mean()),
        "mae_by_length": {f"{a}-{b}": float(err[(n >= a) & (n <= b)].mean()) for a, b in bands},
        "mae_by_model": {m: float(err[lab == k].mean()) for k, m in enumerate(ad.MODELS)},
        "coverage95": float(np.mean(inside)),
        "coverage95_by_model": {m: float(inside[lab == k].mean()) for k, m in enumerate(ad.MODELS)},
        "immobile_left_out": int((~ok).sum()),
    }


def train_andi(seed=2031, steps=3800, batch=128, lr=2e-3, filters=32, log_every=100, n_cal=10_000,
               n_test=5000, init=None, save_to=None):
    """Train (``init=None``) or continue training the network in the file ``init``.

    Saves it as ``save_to`` (a .keras path; default: the shipped ``andi_1d.keras``) with its
    settings, calibration and scores in the .json beside it; returns (model, meta).
    """
    import keras

    ml.set_seed(seed)
    rng = np.random.default_rng(seed)
    sched = keras.optimizers.schedules.CosineDecay(lr, steps, alpha=0.02, warmup_target=None)
    model = ml.build_andi_network(filters=filters, learning_rate=sched)
    previous = None
    if init is not None:  # a second stage: same architecture, weights of the first stage
        model.set_weights(keras.saving.load_model(init, compile=False).get_weights())
        previous = saved_meta(init)
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
    meta = {
        "name": NAME, "builder": "anomdiff.ml.build_andi_network", "seed": seed,
        "train": (f"{steps} steps x batch {batch} fresh trajectories (scripts/train_andi.py): five "
                  "models, alpha uniform in each model's AnDi-1 range, lengths 10..1000 (40% "
                  "uniform, 60% log-uniform) cut from 1001 points, CTRW tau0 log-uniform "
                  "[0.1, 10], Levy walk equilibrium True/False, ATTM gamma log-uniform [0.1, "
                  "min(4, 1/(1-alpha))], noise sigma 0 (15%) or U(0, 1.2) times the step std "
                  "of the kept part (50%) or of a longer stretch of the parent; "
                  f"Adam {lr} cosine decay; loss andi_loss"),
        "train_seconds": round(train_seconds),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    meta.update(calibrate_and_score(model, seed, n_cal, n_test))
    if previous is not None:
        meta["train"] = "continued from the previous stage: " + meta["train"]
        meta["previous_stage"] = previous
        meta["train_seconds_all_stages"] = round(train_seconds) + previous.get(
            "train_seconds_all_stages", previous["train_seconds"])
    save(model, meta, save_to)
    return model, meta


def saved_meta(path):
    """The meta of the network saved at ``path`` (the .json beside it), without its
    reference outputs (they belong to that file's weights only)."""
    meta = json.loads(Path(path).with_suffix(".json").read_text())
    meta.pop("reference_output", None)
    return meta


def combine(paths, seed=2031):
    """Save the ensemble of the member networks in ``paths`` (each with its .json beside it)
    as the shipped ``andi_1d``, with its own std calibration and scores."""
    import keras

    members = [keras.saving.load_model(p, compile=False) for p in paths]
    metas = [saved_meta(p) for p in paths]
    model = ml.build_andi_ensemble(members)
    meta = {
        "name": NAME, "builder": "anomdiff.ml.build_andi_ensemble", "seed": seed,
        "train": (f"ensemble (mean probabilities, mean exponent, total variance) of "
                  f"{len(members)} networks trained independently, see 'members'"),
        "members": metas,
        "train_seconds_all_members": sum(m.get("train_seconds_all_stages", m["train_seconds"])
                                         for m in metas),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    meta.update(calibrate_and_score(model, seed))
    save(model, meta)
    return model, meta


def calibrate_and_score(model, seed, n_cal=10_000, n_test=5000):
    """The std calibration (held-out set ``seed + 1``) and the scores (set ``seed + 2``)."""
    cal = heldout_set(seed + 1, n_cal)
    calibration = fit_std_calibration(evaluate(model, *cal), cal[2])
    test = heldout_set(seed + 2, n_test)
    out_test = evaluate(model, *test)
    return {
        "std_calibration": calibration,
        "heldout": f"{n_test} tracks (seed {seed + 2}): lengths U(10, 1000), noise sigma in "
                   "{0.1, 0.5, 1} step std of the 1000-point trajectory they are cut from",
        "heldout_scores": scores(out_test, *test[1:], calibration=calibration),
        "heldout_coverage95_uncalibrated": scores(out_test, *test[1:])["coverage95"],
    }


def recalibrate():
    """Refit the std calibration and scores of the shipped network (weights unchanged)."""
    import keras

    path = DATA / f"{NAME}.keras"
    meta = json.loads(path.with_suffix(".json").read_text())
    meta.update(calibrate_and_score(keras.saving.load_model(path, compile=False), meta["seed"]))
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    ml._andi_meta.cache_clear()
    print(f"recalibrated {path.name}: {json.dumps(meta['std_calibration'])}\n"
          f"{json.dumps(meta['heldout_scores'])}", flush=True)


def train_shipped():
    """The shipped network: an ensemble of two networks, each trained for 14 000 steps of
    batch 128 (Adam, cosine decay from lr 2e-3) from seeds 2031 and 2041. Times in
    andi_1d.json (``train_seconds_all_members``)."""
    parts = [DATA / f"{NAME}_member{i}.keras" for i in range(2)]
    try:
        for seed, path in zip((2031, 2041), parts):
            train_andi(seed=seed, steps=14_000, lr=2e-3, save_to=path)
        combine(parts)
    finally:
        for path in parts:
            path.unlink(missing_ok=True)
            path.with_suffix(".json").unlink(missing_ok=True)


def save(model, meta, path=None):
    """Write the network and its meta (with reference outputs for the tests)."""
    path = DATA / f"{NAME}.keras" if path is None else Path(path)
    DATA.mkdir(exist_ok=True)
    x = np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1)
    feats, _ = ml.andi_input(x)
    meta["reference_input"] = ("ml.andi_input(np.cumsum(np.random.default_rng(123)"
                               ".standard_normal((6, 150)), axis=1))[0]")
    meta["reference_output"] = np.asarray(model.predict_on_batch(feats)).round(6).tolist()
    model.compile(optimizer="adam", loss=ml.andi_loss)  # weights only, no optimizer state
    model.save(path)
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    ml._load_cached.cache_clear()
    ml._andi_meta.cache_clear()
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): "
          f"{json.dumps(meta['heldout_scores'])}, std factors {meta['std_calibration']['scales']}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3800)
    parser.add_argument("--seed", type=int, default=2031)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--init", help="continue from this .keras file (its .json beside it)")
    parser.add_argument("--log-every", type=int, default=100)
    parser.add_argument("--heldout", type=int, nargs=2, default=(10_000, 5000),
                        help="sizes of the calibration and test sets")
    parser.add_argument("--recalibrate", action="store_true",
                        help="only refit the std calibration of the shipped network")
    parser.add_argument("--save-to", help="where to save the network (default: the shipped file)")
    parser.add_argument("--combine", nargs="+", metavar="FILE.keras",
                        help="ship the ensemble of these trained networks (no training)")
    args = parser.parse_args()
    if args.recalibrate:
        recalibrate()
        raise SystemExit
    if args.combine:
        combine(args.combine)
        raise SystemExit
    train_andi(seed=args.seed, steps=args.steps, lr=args.lr, log_every=args.log_every,
               n_cal=args.heldout[0], n_test=args.heldout[1], init=args.init, save_to=args.save_to)
