"""Retrain the pretrained networks shipped in ``anomdiff/data`` from a fixed seed.

Usage (from the repository root)::

    python scripts/train_pretrained.py                 # all four networks
    python scripts/train_pretrained.py --only alpha    # FBM exponent regressor only
    python scripts/train_pretrained.py --only alpha_noisy  # regressor for noisy FBM only
    python scripts/train_pretrained.py --only ergodic  # ergodicity classifier only
    python scripts/train_pretrained.py --only andi     # any-model network (model + exponent
                                                       # with uncertainty), scripts/train_andi.py

Writes ``anomdiff/data/alpha_fbm.keras``, ``alpha_fbm_noisy.keras``, ``ergodic.keras`` and
``andi_1d.keras`` plus a small JSON file with the training settings, validation scores and
training time for each.
Training data are simulated on the fly (fresh trajectories every epoch); one line per epoch
shows the losses, the elapsed time and an estimate of the time left. Measured on 2 CPU
cores, JAX backend: regressor 37 min, noisy regressor 11 min (both shared with other jobs);
classifier 32 min (8 epochs x 28 000 trajectories, on 2 cores shared with ~7 other jobs,
load average ~15: 414 s of CPU time in all; November 2026, after the CTRW's tau0 became 1
and every model became ergodic at alpha = 1). These three networks: about 80 minutes. The
any-model network ``andi_1d`` (issue 11): an ensemble of two networks of 14 000 steps each,
about 35 minutes each on 2 idle cores (``train_seconds`` of each member in andi_1d.json);
``--only andi`` stays within the 2-hour budget. Results depend slightly on the Keras
backend and library versions, not on the run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import anomdiff as ad  # noqa: E402
from anomdiff import ml  # noqa: E402
from anomdiff.datasets import ergodicity_dataset  # noqa: E402

DATA = ROOT / "anomdiff" / "data"
T = 200


def fbm_batch(n, rng, low=0.05, high=1.95, per_alpha=20, noise=0.0):
    """n FBM trajectories (normalized, (n, T, 1)) with exponents ~ U(low, high).

    ``noise`` > 0: localization noise of std ~ U(0, noise) (in units of the FBM's unit
    step std) is added to each trajectory.
    """
    k = n // per_alpha
    alphas = rng.uniform(low, high, k)
    x = np.concatenate([ad.simulate("fbm", T, a, per_alpha, rng=rng) for a in alphas])
    y = np.repeat(alphas, per_alpha)
    if noise > 0:
        x += rng.uniform(0, noise, (len(x), 1)) * rng.standard_normal(x.shape)
    order = rng.permutation(len(y))
    return ml.network_input(x[order]), y[order].astype(np.float32)


def train_alpha(seed=2026, epochs=14, per_epoch=100_000, batch=128, noise=0.0, name="alpha_fbm"):
    import keras

    ml.set_seed(seed)
    rng = np.random.default_rng(seed)
    steps = epochs * (per_epoch // batch)
    lr = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.01)
    model = ml.build_regressor(learning_rate=lr)
    x_val, y_val = fbm_batch(10_000, rng, noise=noise)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        x, y = fbm_batch(per_epoch, rng, noise=noise)
        h = model.fit(x, y, batch_size=batch, epochs=epoch + 1, initial_epoch=epoch,
                      validation_data=(x_val, y_val), verbose=0)
        elapsed = time.perf_counter() - t0
        print(f"{name} epoch {epoch + 1}/{epochs} loss={h.history['loss'][-1]:.4f} "
              f"val_mae={h.history['val_loss'][-1]:.4f} ({elapsed:.0f}s, "
              f"~{elapsed / (epoch + 1) * (epochs - epoch - 1) / 60:.0f} min left)", flush=True)
    pred = ml._predict(model, x_val)
    sel = (y_val >= 0.2) & (y_val <= 1.8)
    meta = {
        "name": name, "builder": "anomdiff.ml.build_regressor", "seed": seed, "T": T,
        "train": f"FBM, alpha ~ U(0.05, 1.95), "
                 + (f"localization noise std ~ U(0, {noise}), " if noise else "")
                 + f"{epochs} epochs x {per_epoch} fresh trajectories, "
                 f"batch {batch}, Adam 2e-3 cosine decay, MAE loss",
        "val_mae": float(np.mean(np.abs(pred - y_val))),
        "val_mae_0.2_1.8": float(np.mean(np.abs(pred - y_val)[sel])),
        "train_seconds": round(time.perf_counter() - t0),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    save(model, name, meta)


def train_ergodic(seed=2027, epochs=8, per_pair=400, batch=128):
    import keras

    ml.set_seed(seed)
    rng = np.random.default_rng(seed)
    val = ergodicity_dataset(T, 100, rng=rng)
    x_val, y_val, _, _ = ml.prepare_data(val, "ergodic", validation=0, rng=rng)
    per_epoch = round(len(val) * per_pair / 100)  # balanced rows of ergodicity_dataset
    steps = epochs * (per_epoch // batch)
    lr = keras.optimizers.schedules.CosineDecay(2e-3, steps, alpha=0.01)
    model = ml.build_classifier(learning_rate=lr)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        data = ergodicity_dataset(T, per_pair, rng=rng)
        x, y, _, _ = ml.prepare_data(data, "ergodic", validation=0, rng=rng)
        h = model.fit(x, y, batch_size=batch, epochs=epoch + 1, initial_epoch=epoch,
                      validation_data=(x_val, y_val), verbose=0)
        elapsed = time.perf_counter() - t0
        print(f"ergodic epoch {epoch + 1}/{epochs} loss={h.history['loss'][-1]:.4f} "
              f"val_acc={h.history['val_accuracy'][-1]:.4f} ({elapsed:.0f}s, "
              f"~{elapsed / (epoch + 1) * (epochs - epoch - 1) / 60:.0f} min left)", flush=True)
    meta = {
        "name": "ergodic", "builder": "anomdiff.ml.build_classifier", "seed": seed, "T": T,
        "train": f"anomdiff.datasets.ergodicity_dataset (tutorial grid, balanced, every model "
                 f"ergodic at alpha = 1; CTRW tau0 = 1), {epochs} epochs x {len(data)} fresh "
                 f"trajectories, batch {batch}, Adam 2e-3 cosine decay, BCE loss",
        "val_accuracy": float(h.history["val_accuracy"][-1]),
        "train_seconds": round(time.perf_counter() - t0),
        "keras": keras.__version__, "backend": keras.backend.backend(),
    }
    save(model, "ergodic", meta)


def reference_output(model):
    """Outputs on a fixed input, stored with the model; tests/test_ml.py checks that the
    shipped file still gives them when loaded."""
    x = np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1)
    return [float(v) for v in np.asarray(model.predict_on_batch(x.astype(np.float32)[..., None]))[:, 0]]


def save(model, name, meta):
    DATA.mkdir(exist_ok=True)
    meta["reference_input"] = ("np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1), "
                               "float32, shape (6, 150, 1)")
    meta["reference_output"] = reference_output(model)
    path = DATA / f"{name}.keras"
    # Ship weights only (no optimizer state): a smaller file, and users compile anew.
    model.compile(optimizer="adam", loss=model.loss)
    model.save(path)
    (DATA / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): {meta}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["alpha", "alpha_noisy", "ergodic", "andi"],
                        help="train only one network")
    parser.add_argument("--epochs", type=int, help="override the number of epochs (each network)")
    args = parser.parse_args()
    more = {} if args.epochs is None else {"epochs": args.epochs}
    if args.only in (None, "alpha"):
        train_alpha(**more)
    if args.only in (None, "alpha_noisy"):
        train_alpha(**{"seed": 2028, "epochs": 10, "noise": 1.0, "name": "alpha_fbm_noisy", **more})
    if args.only in (None, "ergodic"):
        train_ergodic(**more)
    if args.only in (None, "andi"):
        # The any-model network (issue 11): fixed steps, not epochs; see scripts/train_andi.py.
        sys.path.insert(0, str(ROOT / "scripts"))
        from train_andi import train_shipped

        train_shipped()
