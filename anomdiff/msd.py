"""Mean squared displacements (TA-MSD, EA-MSD, TEA-MSD) and exponent fits.

Definitions, for positions x_0..x_{T-1}:

* TA-MSD (time average over one trajectory):
  ``delta2(lag) = 1/(T - lag) * sum_{t=0}^{T-lag-1} (x_{t+lag} - x_t)**2``
* EA-MSD (ensemble average at time t): ``<(x_t - x_0)**2>`` over trajectories
* TEA-MSD: the ensemble average of the TA-MSDs

Reference: Metzler, Jeon, Cherstvy & Barkai, PCCP 16, 24128 (2014), doi:10.1039/C4CP03465A.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.fft

from ._validate import as_lags, as_sigma, as_trajectories

_EPS = np.finfo(np.float64).eps
# Lags whose FFT result could be less accurate than this (relative, by a bound about 3x
# above the errors observed) are recomputed directly.
_FFT_REL_TOL = 3e-11


def _direct_sums(x: np.ndarray, lag: int) -> np.ndarray:
    d = x[:, lag:] - x[:, :-lag]
    return np.einsum("ij,ij->i", d, d)


def tamsd(trajs, lags) -> np.ndarray:
    """Time-averaged MSD of each trajectory at the given lags.

    Exact: the sums of squared displacements come from cumulative sums of x**2 and an FFT
    autocorrelation, vectorized over trajectories (O(N T log T) for all lags at once). Where
    the FFT could lose more than 3e-11 relative accuracy (tiny TA-MSD next to large
    positions, e.g. long immobile CTRW stretches), that lag is recomputed directly, so
    results agree with the definition to about 1e-11 relative; a constant trajectory gives
    exactly 0.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,)
        Positions.
    lags : int or sequence of int
        Lags, 1 <= lag <= T - 1.

    Returns
    -------
    ndarray, shape (N, L), or (L,) for one trajectory of shape (T,).

    Examples
    --------
    >>> tamsd([0.0, 1.0, 2.0, 3.0], [1, 2, 3]).tolist()
    [1.0, 4.0, 9.0]
    """
    x, was_1d = as_trajectories(trajs)
    N, T = x.shape
    lags = as_lags(lags, T)
    x = x - x[:, :1]  # shift invariance; a constant row becomes exactly 0
    if lags.size <= 8:
        sums = np.stack([_direct_sums(x, int(lag)) for lag in lags], axis=1)
    else:
        sums = _fft_sums(x, lags)
    out = sums / (T - lags)
    return out[0] if was_1d else out


def _fft_sums(x: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """sum_t (x_{t+lag} - x_t)^2 for each row and lag, by FFT, with exact fallbacks."""
    N, T = x.shape
    # Rows arrive shifted to start at 0, so a constant row is all zeros and stays so here.
    xc = x - x.mean(axis=1, keepdims=True)
    sq = xc * xc
    csum = np.concatenate([np.zeros((N, 1)), np.cumsum(sq, axis=1)], axis=1)
    size = scipy.fft.next_fast_len(2 * T, real=True)
    f = scipy.fft.rfft(xc, n=size, axis=1, workers=-1)
    acf = scipy.fft.irfft(f.real**2 + f.imag**2, n=size, axis=1, workers=-1)[:, lags]
    head = csum[:, T - lags]  # sum_{t < T-lag} x_t^2
    tail = csum[:, T:T + 1] - csum[:, lags]  # sum_{t >= lag} x_t^2
    sums = head + tail - 2 * acf
    # Rounding error of the FFT path is about eps * log2(size) * sum(x^2) per row.
    err = 64 * _EPS * np.log2(size) * csum[:, T:T + 1]
    suspect = err > _FFT_REL_TOL * np.abs(sums)
    for j in np.flatnonzero(suspect.any(axis=0)):
        rows = np.flatnonzero(suspect[:, j])
        sums[rows, j] = _direct_sums(x[rows], int(lags[j]))
    return sums


def eamsd(trajs) -> np.ndarray:
    """Ensemble-averaged MSD ``<(x_t - x_0)**2>`` for t = 0..T-1.

    Parameters
    ----------
    trajs : array_like, shape (N, T)

    Returns
    -------
    ndarray, shape (T,)

    Examples
    --------
    >>> eamsd([[0.0, 1.0, 2.0], [0.0, -1.0, 0.0]]).tolist()
    [0.0, 1.0, 2.0]
    """
    x, _ = as_trajectories(trajs, allow_1d=False, min_length=1)
    d = x - x[:, :1]
    return np.mean(d * d, axis=0)


def teamsd(trajs, lags) -> np.ndarray:
    """Ensemble average of the TA-MSDs, shape (L,).

    Examples
    --------
    >>> teamsd([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]], [1, 2]).tolist()
    [0.5, 2.0]
    """
    x, _ = as_trajectories(trajs, allow_1d=False)
    return tamsd(x, lags).mean(axis=0)


def fit_loglog(lags, values):
    """Least-squares lines log(values) = log(K) + alpha log(lags), one per row.

    Non-positive or non-finite values are left out of their row's fit; rows with fewer than
    two usable points get NaN. Returns ``(alpha, K, usable)`` where ``usable`` counts the
    points used per row.
    """
    v = np.atleast_2d(np.asarray(values, dtype=np.float64))
    u = np.log(np.asarray(lags, dtype=np.float64))[None, :]
    w = (v > 0) & np.isfinite(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        logv = np.where(w, np.log(np.where(w, v, 1.0)), 0.0)
        n = w.sum(axis=1)
        ubar = (w * u).sum(axis=1) / n
        vbar = logv.sum(axis=1) / n
        du = np.where(w, u - ubar[:, None], 0.0)
        slope = (du * (logv - vbar[:, None])).sum(axis=1) / (du * du).sum(axis=1)
        intercept = vbar - slope * ubar
    bad = n < 2
    slope[bad] = np.nan
    intercept[bad] = np.nan
    return slope, np.exp(intercept), n


def fit_alpha(trajs, lags, *, sigma=None, return_diffusivity=False):
    """Anomalous exponent of each trajectory from a log-log fit of its TA-MSD.

    Fits log TA-MSD(lag) = log(2 D_alpha) + alpha log(lag) by least squares.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,)
    lags : int or sequence of int
        Lags used in the fit, 1 <= lag <= T - 1 (at least two).
    sigma : float, optional
        Standard deviation of the localization noise. If given, the noise offset 2 sigma^2 is
        subtracted from the TA-MSD and only lags where the corrected value stays positive are
        used, per trajectory (Michalet, PRE 82, 041914 (2010), doi:10.1103/PhysRevE.82.041914).
    return_diffusivity : bool
        Also return the generalized diffusion coefficient D_alpha (TA-MSD = 2 D_alpha lag**alpha
        in one dimension).

    Returns
    -------
    alpha : ndarray, shape (N,) (a float for one trajectory)
        NaN where fewer than two lags are usable (e.g. an immobile trajectory); one warning
        then tells how many.
    D : ndarray, only if ``return_diffusivity``

    Examples
    --------
    >>> x = [0.0, 1.0, 2.0, 3.0, 4.0]
    >>> round(float(fit_alpha(x, [1, 2, 3])), 6)
    2.0
    """
    x, was_1d = as_trajectories(trajs)
    lags = as_lags(lags, x.shape[1])
    if np.unique(lags).size < 2:
        raise ValueError("lags: a fit needs at least two different lags.")
    m = tamsd(x, lags)
    if sigma is not None:
        m = m - 2 * as_sigma(sigma) ** 2
    alpha, k, n = fit_loglog(lags, m)
    failed = int(np.sum(n < 2))
    if failed:
        why = "after the noise correction" if sigma is not None else "(immobile)"
        warnings.warn(
            f"fit_alpha: {failed} of {len(alpha)} trajectories have fewer than two lags with a "
            f"positive TA-MSD {why}; their exponent is NaN.",
            RuntimeWarning,
            stacklevel=2,
        )
    d = k / 2
    if was_1d:
        alpha, d = float(alpha[0]), float(d[0])
    return (alpha, d) if return_diffusivity else alpha
