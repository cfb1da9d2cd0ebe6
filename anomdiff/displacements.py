"""Signatures in the displacements: van Hove distributions, the non-Gaussian parameter and
the increment (velocity) autocorrelation.

The five models can share one MSD law; what tells them apart is the shape of the
displacement distribution (Gaussian for FBM and SBM, cusped for CTRW and ATTM, with
ballistic fronts for the Lévy walk) and the correlation of successive increments (negative
for subdiffusive FBM, absent between disjoint windows of a CTRW). Each function pools all
valid displacements of a set of trajectories (ensemble and time average); NaN marks a
missing point and pairs that touch one are skipped.

>>> import anomdiff as ad
>>> x = ad.simulate("ctrw", 500, 0.5, N=50, rng=0)
>>> bool(ad.displacements.non_gaussian(x, 1)[0] > 1)   # far from Gaussian
True
"""

from __future__ import annotations

import numpy as np

from ._validate import as_int, as_lags, as_trajectory_set

__all__ = ["displacements", "van_hove", "non_gaussian", "increment_autocorrelation"]


def _lagged(x: np.ndarray, lag: int) -> np.ndarray:
    """(N, T, d) positions -> (N, T - lag, d) displacements at ``lag`` (NaN where missing)."""
    return x[:, lag:] - x[:, :-lag]


def displacements(trajs, lag):
    """All valid displacements at one lag, pooled over trajectories and time.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions; NaN marks a missing point.
    lag : int
        Lag in steps, 1 <= lag <= T - 1.

    Returns
    -------
    ndarray, shape (M,) or (M, d)
        ``x[i, t + lag] - x[i, t]`` for every trajectory i and every t where both points
        are valid (overlapping windows), 1-D input giving shape (M,).

    See Also
    --------
    van_hove : their distribution.
    non_gaussian : their kurtosis excess.

    Examples
    --------
    >>> displacements([[0.0, 1.0, 3.0, np.nan]], 1).tolist()
    [1.0, 2.0]
    """
    ts = as_trajectory_set(trajs, min_length=2)
    lag = int(as_lags(lag, ts.x.shape[1], "lag")[0]) if np.ndim(lag) == 0 else None
    if lag is None:
        raise TypeError("lag: expected one integer lag.")
    dx = _lagged(ts.x, lag).reshape(-1, ts.x.shape[2])
    dx = dx[~np.isnan(dx).any(axis=1)]
    return dx[:, 0] if ts.dim1 else dx


def van_hove(trajs, lags, *, bins=41, scaled=False):
    """Van Hove displacement distributions P(Δx, Δ) at the given lags.

    The probability density of the displacements ``x(t + Δ) - x(t)``, pooled over
    trajectories, times and (for d-dimensional input) components, which are assumed
    isotropic.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions; NaN marks a missing point.
    lags : int or sequence of int
        Lags Δ in steps, each 1 <= Δ <= T - 1.
    bins : int, default 41
        Number of bins (>= 2), symmetric about 0 and spanning the largest absolute
        displacement at each lag.
    scaled : bool, default False
        Divide the displacements at each lag by their root-mean-square value first, so
        that distributions at different lags (and the unit Gaussian) can be compared.

    Returns
    -------
    centers : ndarray, shape (L, bins)
        Bin centres for each lag (in units of the rms displacement if ``scaled``).
    density : ndarray, shape (L, bins)
        Probability density: ``sum(density * width) = 1`` for each lag.

    See Also
    --------
    non_gaussian : one number for the departure from a Gaussian.
    displacements : the pooled displacements themselves.

    Notes
    -----
    For FBM and SBM the distribution is Gaussian at every lag. For the subdiffusive CTRW
    it has a cusp at 0 (many walkers have not jumped) and stretched-exponential tails; for
    the ATTM it is a mixture of Gaussians (Laplace-like); for the Lévy walk it has fronts
    at ``|Δx| = Δ`` (unit speed) [1]_.

    References
    ----------
    .. [1] Metzler, Jeon, Cherstvy & Barkai, PCCP 16, 24128 (2014), doi:10.1039/C4CP03465A.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 200, 1.0, N=100, rng=0)
    >>> centers, density = van_hove(x, [1, 10], bins=21, scaled=True)
    >>> centers.shape, bool(abs(density[0, 10] - 1 / np.sqrt(2 * np.pi)) < 0.05)
    ((2, 21), True)
    """
    ts = as_trajectory_set(trajs, min_length=2)
    lags = as_lags(lags, ts.x.shape[1])
    bins = as_int(bins, "bins", 2)
    if not isinstance(scaled, (bool, np.bool_)):
        raise TypeError(f"scaled: expected True or False, got {scaled!r}.")
    centers = np.empty((lags.size, bins))
    density = np.empty((lags.size, bins))
    for i, lag in enumerate(lags):  # one histogram per lag (few lags)
        d = _lagged(ts.x, int(lag)).ravel()
        d = d[~np.isnan(d)]
        if d.size == 0:
            raise ValueError(f"trajs: no valid displacement at lag {lag}.")
        if scaled:
            rms = np.sqrt(np.mean(d * d))
            d = d / rms if rms > 0 else d
        top = np.max(np.abs(d))
        top = top if top > 0 else 1.0
        edges = np.linspace(-top, top, bins + 1)
        density[i], _ = np.histogram(d, bins=edges, density=True)
        centers[i] = 0.5 * (edges[1:] + edges[:-1])
    return centers, density


def non_gaussian(trajs, lags):
    """Non-Gaussian parameter of the displacements at the given lags.

    Parameters
    ----------
    trajs, lags
        Positions (NaN marks a missing point) and lags Δ in steps, as in :func:`van_hove`.

    Returns
    -------
    ndarray, shape (L,)
        ``G(Δ)``, 0 for Gaussian displacements.

    See Also
    --------
    van_hove : the full distributions.

    Notes
    -----
    In one dimension ``G = <Δx**4> / (3 <Δx**2>**2) - 1``; in d dimensions
    ``G = d <|Δr|**4> / ((d + 2) <|Δr|**2>**2) - 1`` [1]_, both 0 for an isotropic
    Gaussian. Averages run over all valid displacements (trajectories and times).
    Displacements that are Gaussian given a random variance V per component (a random
    diffusivity as in the ATTM, or a random number of Gaussian jumps as in the CTRW) have
    ``<|Δr|**4> = d (d + 2) <V**2>`` and ``<|Δr|**2> = d <V>``, so
    ``G = Var(V) / <V>**2 > 0``.

    References
    ----------
    .. [1] Rahman, Phys. Rev. 136, A405 (1964), doi:10.1103/PhysRev.136.A405.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 400, 0.7, N=200, rng=1)
    >>> bool(abs(non_gaussian(x, 5)[0]) < 0.05)
    True
    """
    ts = as_trajectory_set(trajs, min_length=2)
    lags = as_lags(lags, ts.x.shape[1])
    d = ts.x.shape[2]
    out = np.empty(lags.size)
    for i, lag in enumerate(lags):
        r2 = np.sum(_lagged(ts.x, int(lag)) ** 2, axis=2).ravel()
        r2 = r2[~np.isnan(r2)]
        if r2.size == 0:
            raise ValueError(f"trajs: no valid displacement at lag {lag}.")
        m2 = np.mean(r2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[i] = d * np.mean(r2 * r2) / ((d + 2) * m2 * m2) - 1
    return out


def increment_autocorrelation(trajs, lag=1, max_tau=None):
    """Normalized autocorrelation of the lag-δ increments (the velocity autocorrelation).

    ``C(τ) = <v(t) · v(t + τ)> / <v(t) · v(t)>`` with ``v(t) = x(t + δ) - x(t)``, averaged
    over trajectories and times t (every valid pair), for τ = 0, 1, ..., max_tau.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions; NaN marks a missing point.
    lag : int, default 1
        The increment lag δ >= 1 (steps).
    max_tau : int, optional
        Largest time shift τ (steps); default ``min(T - 1 - lag, 10 lag)``.

    Returns
    -------
    tau : ndarray of int, shape (max_tau + 1,)
        Time shifts 0..max_tau.
    corr : ndarray, shape (max_tau + 1,)
        ``C(τ)``, with ``C(0) = 1``; NaN where no valid pair exists.

    See Also
    --------
    anomdiff.theory.fgn_autocovariance : the FBM result (divide by ``lag**alpha``).
    non_gaussian : a signature in the distribution rather than the correlations.

    Notes
    -----
    For FBM the increments are stationary Gaussian with [1]_ [2]_

    ``C(τ) = ((τ/δ + 1)**alpha + |τ/δ - 1|**alpha - 2 (τ/δ)**alpha) / 2``,

    ``ad.theory.fgn_autocovariance(tau, alpha, lag) / lag**alpha``: negative at τ = δ
    for alpha < 1 (``2**(alpha-1) - 1``, -0.29 at alpha = 0.5) and independent of δ as a
    function of τ/δ. For the CTRW, increments over disjoint windows (τ >= δ) are
    uncorrelated, ``C(τ) = 0``, because the jumps are independent with mean zero; this is
    the test that Weber et al. [1]_ used to rule out a CTRW for chromosomal loci. The mean
    is not subtracted: the models have increments of zero mean (remove a drift first).

    References
    ----------
    .. [1] Weber, Spakowitz & Theriot, Phys. Rev. Lett. 104, 238102 (2010),
       doi:10.1103/PhysRevLett.104.238102.
    .. [2] Burov, Jeon, Metzler & Barkai, Phys. Chem. Chem. Phys. 13, 1800 (2011),
       doi:10.1039/C0CP01879A.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 1000, 0.5, N=200, rng=2)
    >>> tau, c = increment_autocorrelation(x, lag=1, max_tau=2)
    >>> tau.tolist(), c.round(2).tolist()
    ([0, 1, 2], [1.0, -0.29, -0.05])
    """
    ts = as_trajectory_set(trajs, min_length=2)
    T = ts.x.shape[1]
    lag = as_int(lag, "lag", 1)
    if lag > T - 1:
        raise ValueError(f"lag: expected 1 <= lag <= T - 1 = {T - 1}, got {lag}.")
    n = T - lag  # increments per trajectory
    if max_tau is None:
        max_tau = min(n - 1, 10 * lag)
    max_tau = as_int(max_tau, "max_tau", 0)
    if max_tau > n - 1:
        raise ValueError(f"max_tau: expected 0 <= max_tau <= T - 1 - lag = {n - 1}, got {max_tau}.")
    v = _lagged(ts.x, lag)  # (N, n, d)
    valid = ~np.isnan(v).any(axis=2)
    v = np.where(valid[..., None], v, 0.0)
    corr = np.empty(max_tau + 1)
    for tau in range(max_tau + 1):  # one vectorized product per shift
        prod = np.sum(v[:, : n - tau] * v[:, tau:], axis=(0, 2)).sum()
        count = np.sum(valid[:, : n - tau] & valid[:, tau:])
        corr[tau] = prod / count if count else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = corr / corr[0]
    return np.arange(max_tau + 1), corr
