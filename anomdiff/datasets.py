"""Labelled datasets of trajectories, normalization and localization noise.

The dataset layout follows andi-datasets: one row per trajectory, column 0 the model label
(index in :data:`anomdiff.MODELS`), column 1 the exponent, then the T positions.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ._validate import as_int, as_rng, as_sigma, as_trajectory_set
from .models import ERGODIC_MODELS, MODELS, admits, model_name, range_text, simulate

# The networks' shortest input (anomdiff.ml.MIN_LENGTH); ergodicity_dataset feeds networks.
_NETWORK_MIN_LENGTH = 20


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

    See Also
    --------
    anomdiff.simulate : The simulator behind each row.
    ergodic_labels : Ergodicity labels from columns 0 and 1.
    normalize : Scale-free trajectories for networks.

    Notes
    -----
    The layout follows the AnDi challenge's datasets [1]_: the label is the index of the model
    in :data:`anomdiff.MODELS`. Trajectories are one-dimensional.

    References
    ----------
    .. [1] G. Muñoz-Gil et al., "Objective comparison of methods to decode anomalous
       diffusion", Nat. Commun. 12, 6253 (2021), doi:10.1038/s41467-021-26320-w.

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
    r"""Divide each trajectory by the standard deviation of its increments, starting at 0.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions (NaN marks a missing point); see :func:`anomdiff.tamsd`.

    Returns
    -------
    ndarray, same shape as ``trajs`` (NaN-padded (N, T[, d]) for a list)
        :math:`(x_t - x_{t_0}) / s` with :math:`t_0` the first valid point and s the
        increments' standard deviation; NaN stays NaN. An immobile trajectory (all
        increments zero) gives a NaN row, with one warning.

    See Also
    --------
    add_localization_noise : Noise to add before normalizing, as measurements have.
    create_dataset : Labelled simulated trajectories to normalize.

    Notes
    -----
    Normalizing removes the scale (the diffusivity), so that only the shape of the motion is
    left, as networks expect: :math:`x \to a x + b` with :math:`a > 0` leaves the result
    unchanged (up to rounding). The increments are the differences of consecutive valid
    points (a gap breaks the chain). In d dimensions s
    is pooled over the components, :math:`s^2 = \sum_k \mathrm{Var}(\Delta x_k) / d`,
    so the motion's shape and direction are kept. Where the increments have zero variance
    but are not zero (motion at constant velocity), s is their root mean square.

    Examples
    --------
    >>> normalize([0.0, 2.0, 0.0, 2.0, 0.0]).tolist()
    [0.0, 1.0, 0.0, 1.0, 0.0]
    """
    ts = as_trajectory_set(trajs, min_length=2)
    x = ts.x
    N, T, dim = x.shape
    dx = np.diff(x, axis=1)
    if np.isinf(dx).any():  # positions near the float64 limit
        dx = np.diff(x * 0.5, axis=1)
    # Scale-free: rescale each row by a power of two (exact) so squares neither under- nor
    # overflow; the ratio dx / s below is unchanged bit for bit.
    big = np.max(np.where(np.isnan(dx), 0.0, np.abs(dx)), axis=(1, 2))
    shift = -np.frexp(big)[1][:, None, None]
    dx = np.ldexp(dx, shift)
    if ts.gaps:
        ok = ~np.isnan(dx[:, :, 0])
        n = ok.sum(axis=1)[:, None]
        dz = np.where(ok[..., None], dx, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = dz.sum(axis=1, keepdims=True) / n[..., None]
            var = (np.where(ok[..., None], (dz - mean) ** 2, 0.0).sum(axis=1) / n).mean(axis=1)
            ms = (dz * dz).sum(axis=(1, 2)) / (n[:, 0] * dim)
    else:
        var = dx.var(axis=1).mean(axis=1)
        ms = np.einsum("ntk,ntk->n", dx, dx) / ((T - 1) * dim)
    scale = np.sqrt(np.where(var > 0, var, ms))
    immobile = ~(scale > 0)
    if immobile.any():
        warnings.warn(
            f"normalize: {int(immobile.sum())} of {N} trajectories are immobile (no non-zero "
            "increment between consecutive valid points); their normalized positions are NaN.",
            RuntimeWarning,
            stacklevel=2,
        )
        scale[immobile] = np.nan
    if ts.gaps:
        first = np.argmax(~np.isnan(x[:, :, 0]), axis=1)
        out = np.ldexp(x - x[np.arange(N), first][:, None, :], shift) / scale[:, None, None]
    else:
        out = np.zeros_like(x)
        np.cumsum(dx / scale[:, None, None], axis=1, out=out[:, 1:])
        out[immobile] = np.nan
    return ts.restore(out)


def add_localization_noise(trajs, sigma, *, rng=None) -> np.ndarray:
    r"""Add independent Gaussian localization noise of standard deviation ``sigma``.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions (NaN marks a missing point, and stays NaN); see :func:`anomdiff.tamsd`.
    sigma : float
        Standard deviation of the noise on each coordinate, in position units (>= 0).
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    ndarray, same shape as ``trajs`` (NaN-padded (N, T[, d]) for a list)
        Observed positions :math:`x_t + e_t` with :math:`e_t \sim N(0, σ^2 I_d)`.

    See Also
    --------
    anomdiff.fit_alpha : Exponent fit with the noise correction ``sigma``.
    normalize : Remove the scale of noisy trajectories.

    Notes
    -----
    The noise models a particle located with finite precision. It raises every TA-MSD value
    by :math:`2 d σ^2` (two independent errors per displacement, d components), which
    biases the fitted exponent low at short lags [1]_.

    References
    ----------
    .. [1] X. Michalet, "Mean square displacement analysis of single-particle trajectories
       with localization error: Brownian motion in an isotropic medium", Phys. Rev. E 82,
       041914 (2010), doi:10.1103/PhysRevE.82.041914.

    Examples
    --------
    >>> noisy = add_localization_noise([[0.0, 1.0, 2.0]], 0.1, rng=0)
    >>> noisy.shape
    (1, 3)
    """
    ts = as_trajectory_set(trajs, min_length=1)
    sigma = as_sigma(sigma)
    out = ts.x + sigma * as_rng(rng).standard_normal(ts.x.shape)
    return ts.restore(out)


def _label_error(model_labels):
    return TypeError(
        f"model_labels: expected model labels 0..{len(MODELS) - 1} or names in {MODELS} "
        f"(a sequence, e.g. column 0 of a dataset), got {model_labels!r}."
    )


def ergodic_labels(model_labels, alphas=None) -> np.ndarray:
    """The course's ergodicity labels: 1 ergodic, 0 non-ergodic.

    Parameters
    ----------
    model_labels : array_like of int or str
        Model labels 0..4 (column 0 of a dataset, integer-valued floats allowed) or model
        names (see :data:`anomdiff.MODELS`). Booleans are not labels.
    alphas : array_like of float, optional
        The exponents, same length as ``model_labels`` (column 1 of a dataset). If given,
        every model is labelled ergodic at alpha = 1.

    Returns
    -------
    ndarray of int, shape (n,)
        1 for FBM and the Lévy walk (and for every model at alpha = 1 when ``alphas`` is
        given), 0 for ATTM, CTRW and SBM.

    See Also
    --------
    anomdiff.ERGODIC_MODELS : The ergodic models.
    ergodicity_dataset : A balanced dataset labelled by this rule.

    Notes
    -----
    "Ergodic" here means that time averages converge to ensemble averages (TA-MSD -> EA-MSD
    and EB -> 0). At alpha = 1 SBM is Brownian motion, and the CTRW with exponential waits,
    the ATTM with exponential lifetimes and the Lévy walk with exponential flights have
    finite mean renewal times, so their time averages self-average [1]_, [2]_.

    References
    ----------
    .. [1] R. Metzler, J.-H. Jeon, A. G. Cherstvy and E. Barkai, Phys. Chem. Chem. Phys. 16,
       24128 (2014), doi:10.1039/C4CP03465A.
    .. [2] Y. He, S. Burov, R. Metzler and E. Barkai, Phys. Rev. Lett. 101, 058101 (2008),
       doi:10.1103/PhysRevLett.101.058101.

    Examples
    --------
    >>> ergodic_labels([0, 1, 2, 3, 4]).tolist()
    [0, 0, 1, 1, 0]
    >>> ergodic_labels(["ctrw", "sbm", "sbm"], alphas=[0.5, 1.0, 1.5]).tolist()
    [0, 1, 0]
    """
    if isinstance(model_labels, (str, numbers.Number, dict, set)) or model_labels is None or (
        isinstance(model_labels, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in model_labels)
    ):
        raise _label_error(model_labels)
    try:
        raw = np.asarray(model_labels)
    except Exception:
        raise _label_error(model_labels) from None
    if raw.dtype.kind == "b":
        raise _label_error(model_labels)
    if raw.ndim != 1:
        raise ValueError(f"model_labels: expected a 1-D sequence of labels, got shape {raw.shape}.")
    if raw.size == 0:
        raise ValueError("model_labels: got no labels.")
    if raw.dtype.kind in "iuf":
        if not np.all(np.isfinite(raw)) or np.any(raw != np.round(raw)) or raw.min() < 0 \
                or raw.max() >= len(MODELS):
            raise ValueError(
                f"model_labels: expected integer labels 0..{len(MODELS) - 1}, got values "
                f"{np.unique(raw)[:5].tolist()}."
            )
        labels = raw.astype(np.int64)
    elif raw.dtype.kind in "UO":
        if isinstance(model_labels, (list, tuple)):
            raw = np.empty(len(model_labels), dtype=object)  # keep mixed names and labels apart
            raw[:] = list(model_labels)
        names = {}
        for item in set(v.item() if isinstance(v, np.generic) else v for v in raw.tolist()):
            if isinstance(item, bool) or not isinstance(item, (str, numbers.Real)):
                raise _label_error(model_labels)
            try:
                names[item] = MODELS.index(model_name(item))
            except (ValueError, TypeError) as err:
                raise ValueError(f"model_labels: {str(err).removeprefix('model: ')}") from None
        labels = np.array([names[v.item() if isinstance(v, np.generic) else v] for v in raw.tolist()],
                          dtype=np.int64)
    else:
        raise _label_error(model_labels)
    ergodic = np.array([m in ERGODIC_MODELS for m in MODELS])[labels]
    if alphas is not None:
        try:
            a = np.asarray(alphas, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"alphas: expected a sequence of exponents, got {alphas!r}.") from None
        if a.shape != labels.shape:
            raise ValueError(f"alphas: expected one exponent per label ({labels.size}), got shape {a.shape}.")
        if not np.all(np.isfinite(a)):
            raise ValueError("alphas: exponents must be finite numbers.")
        ergodic = ergodic | (a == 1.0)
    return ergodic.astype(np.int64)


def ergodicity_dataset(T, N, *, rng=None):
    """A balanced ergodic/non-ergodic dataset on the tutorial's grid of exponents.

    Parameters
    ----------
    T : int
        Points per trajectory (>= 20, the networks' shortest input).
    N : int
        Trajectories per (model, exponent) pair (>= 1).
    rng : int, numpy.random.Generator or None
        Seed or generator.

    Returns
    -------
    ndarray, shape (rows, 2 + T)
        As :func:`create_dataset` (column 0 model label, column 1 exponent, then positions),
        sorted by model label then exponent; as many ergodic as non-ergodic rows by
        :func:`ergodic_labels` with the exponents.

    See Also
    --------
    create_dataset : The simulator-backed dataset builder used here.
    ergodic_labels : The labels the classes are balanced on.

    Notes
    -----
    Subdiffusive exponents 0.1, 0.2, ..., 1.0 for ATTM, CTRW, FBM and SBM; superdiffusive
    1.0, 1.1, ..., 2.0 for FBM, Lévy walk and SBM (pairs a model does not admit are left
    out). ``N`` trajectories per (model, exponent) pair are simulated, then rows of the
    larger class are dropped at random so that both classes have the same size. Every
    model is labelled ergodic at alpha = 1.

    Examples
    --------
    >>> d = ergodicity_dataset(50, 4, rng=0)
    >>> int(ergodic_labels(d[:, 0], d[:, 1]).sum()) * 2 == len(d)
    True
    """
    T = as_int(T, "T", _NETWORK_MIN_LENGTH)
    N = as_int(N, "N", 1)
    gen = as_rng(rng)
    sub = np.round(np.arange(1, 11) / 10, 1)
    sup = np.round(np.arange(10, 21) / 10, 1)
    data = np.concatenate([
        create_dataset(T, N, sub, ["attm", "ctrw", "fbm", "sbm"], rng=gen),
        create_dataset(T, N, sup, ["fbm", "lw", "sbm"], rng=gen, skip_invalid=True),
    ])
    erg = ergodic_labels(data[:, 0], data[:, 1]).astype(bool)
    idx_e, idx_n = np.flatnonzero(erg), np.flatnonzero(~erg)
    k = min(idx_e.size, idx_n.size)
    keep = np.concatenate([gen.choice(idx_e, k, replace=False), gen.choice(idx_n, k, replace=False)])
    keep = keep[np.lexsort((data[keep, 1], data[keep, 0]))]
    return data[keep]
