"""Labelled datasets of trajectories, normalization and localization noise.

The dataset layout follows andi-datasets: one row per trajectory, column 0 the model label
(index in :data:`anomdiff.MODELS`), column 1 the exponent, then the T positions.
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import as_int, as_rng, as_sigma, as_trajectories
from .models import MODELS, admits, model_name, range_text, simulate
from .theory import ERGODIC_MODELS


def _as_models(models) -> list[str]:
    if isinstance(models, (str, numbers.Integral)) and not isinstance(models, bool):
        return [model_name(models)]
    try:
        items = list(np.asarray(models, dtype=object).ravel())
    except Exception:  # pragma: no cover - numpy accepts nearly anything as object
        items = []
    if not items:
        raise ValueError(f"models: expected a model name, a label 0..4 or a sequence of them, got {models!r}.")
    return [model_name(m.item() if isinstance(m, np.generic) else m) for m in items]


def _as_exponents(exponents) -> np.ndarray:
    try:
        arr = np.atleast_1d(np.asarray(exponents, dtype=np.float64)).ravel()
    except (TypeError, ValueError):
        raise TypeError(f"exponents: expected a number or a sequence of numbers, got {exponents!r}.") from None
    if arr.size == 0:
        raise ValueError("exponents: got an empty sequence.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"exponents: must be finite numbers, got {arr.tolist()}.")
    return arr


def create_dataset(T, N_models, exponents, models, *, rng=None, skip_invalid=False) -> np.ndarray:
    """Simulate ``N_models`` trajectories for every (model, exponent) pair.

    Parameters
    ----------
    T : int
        Points per trajectory (>= 2).
    N_models : int
        Trajectories per (model, exponent) pair (>= 1).
    exponents : float or sequence of float
        Exponents to simulate.
    models : str, int or sequence of them
        Model names or labels (see :data:`anomdiff.MODELS`).
    rng : int, numpy.random.Generator or None
        Seed or generator.
    skip_invalid : bool
        If False (default), a pair that a model does not admit raises a ``ValueError``
        listing all such pairs; if True those pairs are left out (e.g. a mix of sub- and
        superdiffusive exponents over all models in one call).

    Returns
    -------
    ndarray, shape (rows, 2 + T)
        Column 0 model label, column 1 exponent, then positions. Rows are grouped by model,
        then exponent, in the order given.

    Examples
    --------
    >>> data = create_dataset(50, 2, [0.5, 1.5], ["fbm", "ctrw"], rng=0, skip_invalid=True)
    >>> data.shape, data[:, :2].tolist()
    ((6, 52), [[2.0, 0.5], [2.0, 0.5], [2.0, 1.5], [2.0, 1.5], [1.0, 0.5], [1.0, 0.5]])
    """
    T = as_int(T, "T", 2)
    N_models = as_int(N_models, "N_models", 1)
    names = _as_models(models)
    alphas = _as_exponents(exponents)
    pairs = [(m, a) for m in names for a in alphas]
    bad = [(m, float(a)) for m, a in pairs if not admits(m, a)]
    if bad and not skip_invalid:
        listed = ", ".join(f"{m} alpha={a:g} (admits {range_text(m)})" for m, a in bad)
        raise ValueError(
            f"exponents: these (model, exponent) pairs are not admitted: {listed}. "
            "Pass skip_invalid=True to leave them out."
        )
    pairs = [(m, a) for m, a in pairs if admits(m, a)]
    if not pairs:
        raise ValueError("exponents: no (model, exponent) pair is admitted; nothing to simulate.")
    gen = as_rng(rng)
    out = np.empty((len(pairs) * N_models, 2 + T))
    for i, (m, a) in enumerate(pairs):
        rows = slice(i * N_models, (i + 1) * N_models)
        out[rows, 0] = MODELS.index(m)
        out[rows, 1] = a
        out[rows, 2:] = simulate(m, T, a, N_models, rng=gen)
    return out


def normalize(trajs) -> np.ndarray:
    """Divide each trajectory's increments by their standard deviation and re-sum from 0.

    This removes the scale (diffusivity) so that only the shape of the motion is left, as
    networks expect. A trajectory whose increments are all equal keeps its increments.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,)

    Returns
    -------
    ndarray, same shape, starting at 0.

    Examples
    --------
    >>> normalize([0.0, 2.0, 0.0, 2.0, 0.0]).tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0]
    """
    x, was_1d = as_trajectories(trajs, min_length=2)
    dx = np.diff(x, axis=1)
    std = dx.std(axis=1, keepdims=True)
    std[std == 0] = 1.0
    out = np.zeros_like(x)
    np.cumsum(dx / std, axis=1, out=out[:, 1:])
    return out[0] if was_1d else out


def add_localization_noise(trajs, sigma, *, rng=None) -> np.ndarray:
    """Add independent Gaussian localization noise of standard deviation ``sigma``.

    Each observed position is x_t + e_t with e_t ~ N(0, sigma^2), as for a particle located
    with finite precision; the noise raises every TA-MSD value by 2 sigma^2.

    Examples
    --------
    >>> noisy = add_localization_noise([[0.0, 1.0, 2.0]], 0.1, rng=0)
    >>> noisy.shape
    (1, 3)
    """
    x, was_1d = as_trajectories(trajs, min_length=1)
    sigma = as_sigma(sigma)
    out = x + sigma * as_rng(rng).standard_normal(x.shape)
    return out[0] if was_1d else out


def ergodic_labels(model_labels) -> np.ndarray:
    """1 for ergodic models (FBM, Lévy walk), 0 for ATTM, CTRW and SBM.

    Parameters
    ----------
    model_labels : array_like of int
        Model labels (column 0 of a dataset).

    Examples
    --------
    >>> ergodic_labels([0, 1, 2, 3, 4]).tolist()
    [0, 0, 1, 1, 0]
    """
    labels = np.asarray(model_labels)
    if labels.size == 0:
        raise ValueError("model_labels: got no labels.")
    if not np.all(np.isfinite(labels.astype(float))) or np.any(labels != np.round(labels)) \
            or labels.min() < 0 or labels.max() >= len(MODELS):
        raise ValueError(f"model_labels: expected integer labels 0..{len(MODELS) - 1}.")
    ergodic = np.array([m in ERGODIC_MODELS for m in MODELS])
    return ergodic[labels.astype(np.int64)].astype(np.int64)
