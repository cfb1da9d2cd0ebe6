"""Classical single-trajectory estimators of the anomalous exponent.

:func:`mle_alpha` is the maximum-likelihood estimate of the exponent of fractional Brownian
motion with unknown diffusivity (and, optionally, known localization noise), with standard
errors from the observed Fisher information; :func:`mle_interval` is the profile-likelihood
(likelihood-ratio) confidence interval. On FBM it reaches the Cramér-Rao bound
(:func:`anomdiff.theory.fbm_crlb`) up to finite-T effects.

>>> import anomdiff as ad
>>> x = ad.simulate("fbm", 100, 0.6, N=3, rng=0)
>>> alpha, stderr = ad.mle_alpha(x)
>>> alpha.shape, stderr.shape
((3,), (3,))
"""

from __future__ import annotations

import math
import numbers
import statistics
import warnings

import numpy as np

from ._validate import as_trajectory_set

__all__ = ["mle_alpha", "mle_interval"]

# The search interval for alpha: the fGn covariance becomes singular as alpha -> 2.
_A_LO, _A_HI = 0.005, 1.995
_GRID = np.linspace(0.02, 1.98, 50)  # coarse search, shared by all trajectories
_GOLD = (math.sqrt(5) - 1) / 2
_H = 2e-3  # step of the numerical second derivative


def _fgn_cov(alpha: np.ndarray, n: int) -> np.ndarray:
    """Autocovariance gamma_k, k = 0..n-1, of unit fGn for each alpha: shape (B, n).

    The same formula as :func:`anomdiff.theory.fgn_autocovariance` (lag 1), vectorized over
    alpha (its cancellation at large k costs ~k**2 * 1e-16 relative, harmless here).
    """
    k = np.arange(n, dtype=np.float64)
    a = np.asarray(alpha, dtype=np.float64)[:, None]
    return 0.5 * (np.abs(k + 1) ** a - 2 * k**a + np.abs(k - 1) ** a)


def _innovations(r: np.ndarray, y: np.ndarray):
    """Levinson-Durbin: Gaussian log-likelihood pieces of y under Toeplitz covariance r.

    r : (B, n) autocovariances (B = 1 shares one covariance by all rows of y);
    y : (B', n, c) data, B' = B or B = 1.
    Returns (quad, logdet): sum over components of y^T S^-1 y, shape (B',), and
    log det S, shape (B,). O(n^2) per row, vectorized over rows.
    """
    B, n = r.shape
    shared = B == 1 and y.shape[0] > 1
    phi = np.zeros((B, n))  # prediction coefficients phi_{t,1..t} of order t
    v = np.empty((B, n))  # innovation variances
    v[:, 0] = r[:, 0]
    if shared:
        A = np.eye(n)  # rows: e_t = y_t - sum_j phi_{t,j} y_{t-j}
    else:
        e = np.empty(y.shape)
        e[:, 0] = y[:, 0]
        yr = np.ascontiguousarray(y[:, ::-1])  # yr[:, n - t:] = y_{t-1}, ..., y_0
    for t in range(1, n):
        # reflection coefficient of order t, then the order-t coefficients
        k = (r[:, t] - np.einsum("bj,bj->b", phi[:, : t - 1], r[:, t - 1 : 0 : -1])) / v[:, t - 1]
        if t > 1:
            phi[:, : t - 1] -= k[:, None] * phi[:, t - 2 :: -1]
        phi[:, t - 1] = k
        v[:, t] = v[:, t - 1] * (1 - k * k)
        if shared:
            A[t, t - 1 :: -1] = -phi[0, :t]
        else:  # prediction error of y_t from y_{t-1}, ..., y_0
            e[:, t] = y[:, t] - np.einsum("bj,bjc->bc", phi[:, :t], yr[:, n - t :])
    if shared:
        e = np.einsum("ts,bsc->btc", A, y, optimize=True)
    quad = np.einsum("btc,btc->b", e, e / v[..., None])
    return quad, np.log(v).sum(axis=1)


def _loglik(alpha, y, s2, logd=None):
    """Log-likelihood of the increments y (B, n, c) at exponents alpha (B,).

    Without noise (s2 is None) D is profiled out analytically: D = quad / (n c). With noise
    variance s2 (B,) the covariance is D gamma(alpha) + s2 * MA(1) and ``logd`` = log D (B,).
    Constants dropped.
    """
    B, n, c = y.shape
    r = _fgn_cov(alpha, n)
    if s2 is None:
        quad, logdet = _innovations(r, y)
        return -0.5 * (n * c * np.log(quad / (n * c)) + c * logdet)
    r = np.exp(logd)[:, None] * r
    r[:, 0] += 2 * s2
    r[:, 1] -= s2
    quad, logdet = _innovations(r, y)
    return -0.5 * (quad + c * logdet)


def _golden(f, lo, hi, iters):
    """Vectorized golden-section maximization of f over [lo, hi] (arrays); returns argmax."""
    a, b = lo.copy(), hi.copy()
    x1 = b - _GOLD * (b - a)
    x2 = a + _GOLD * (b - a)
    f1, f2 = f(x1), f(x2)
    for _ in range(iters):
        right = f2 > f1  # the maximum lies in [x1, b]
        a = np.where(right, x1, a)
        b = np.where(right, b, x2)
        x1n = np.where(right, x2, b - _GOLD * (b - a))
        x2n = np.where(right, a + _GOLD * (b - a), x1)
        fn = f(np.where(right, x2n, x1n))
        f1, f2 = np.where(right, f2, fn), np.where(right, fn, f1)
        x1, x2 = x1n, x2n
    return 0.5 * (a + b)


def _profile(alpha, y, s2, center=None):
    """Profile log-likelihood in alpha, and log D at its maximum.

    D is profiled analytically without noise; with noise by golden section on log D, over
    a wide bracket or, when ``center`` (a previous optimum) is given, within +-1 of it.
    """
    if s2 is None:
        return _loglik(alpha, y, None), None
    if center is None:  # from "all variance is signal" down to 1e-6 of it
        top = np.log(np.mean(y**2, axis=(1, 2)) + 1e-300)
        lo, hi, iters = top - 14.0, top + 0.1, 30
    else:
        lo, hi, iters = center - 1.0, center + 1.0, 24
    logd = _golden(lambda u: _loglik(alpha, y, s2, u), lo, hi, iters)
    return _loglik(alpha, y, s2, logd), logd


def _fit_group(y: np.ndarray, s2):
    """MLE and standard error for increments y (N, n, c) of one length."""
    N = y.shape[0]
    # Coarse grid (without noise one covariance per grid point, shared by all rows).
    grid = _GRID if s2 is None else _GRID[::2]
    if s2 is None:
        ll = np.stack([_loglik(np.array([a]), y, None) for a in grid], axis=1)
        center = None
    else:
        runs = [_profile(np.full(N, a), y, s2) for a in grid]
        ll = np.stack([r[0] for r in runs], axis=1)
    best = np.argmax(ll, axis=1)
    if s2 is not None:
        center = np.stack([r[1] for r in runs], axis=1)[np.arange(N), best]
    step = grid[1] - grid[0]
    lo = np.clip(grid[best] - step, _A_LO, _A_HI)
    hi = np.clip(grid[best] + step, _A_LO, _A_HI)
    # Vertex of the parabola through the best grid point and its neighbours ...
    b = np.clip(best, 1, grid.size - 2)
    lm, l0, lp = (ll[np.arange(N), b + k] for k in (-1, 0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(lm - 2 * l0 + lp < 0, 0.5 * step * (lm - lp) / (lm - 2 * l0 + lp), 0.0)
    alpha = np.clip(grid[b] + shift, lo, hi)
    # ... then Newton steps on central differences of the profile; the last differences
    # also give the observed information (minus the second derivative) at the estimate.
    for _ in range(2):
        c = np.clip(alpha, _A_LO + _H, _A_HI - _H)
        f0, fp, fm = (_profile(c + d, y, s2, center)[0] for d in (0.0, _H, -_H))
        curv = -(fp - 2 * f0 + fm) / _H**2
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(curv > 0, (fp - fm) / (2 * _H) / curv, 0.0)
        alpha = np.clip(c + shift, lo, hi)
    with np.errstate(divide="ignore", invalid="ignore"):
        stderr = np.where(curv > 0, 1 / np.sqrt(curv), np.inf)
    return alpha, stderr


def _as_increments(trajs):
    """(N, T, d) positions with trailing NaN padding -> list of (rows, increments) by length."""
    if isinstance(trajs, (str, bytes)) or trajs is None:
        raise TypeError(f"trajs: expected positions, shape (N, T), (N, T, d) or a list of arrays, got {trajs!r}.")
    ts = as_trajectory_set(trajs, min_length=1)
    x = ts.x
    valid = ~np.any(np.isnan(x), axis=2)  # a point is valid when every component is
    length = valid.sum(axis=1)
    if np.any(length == 0):
        raise ValueError(f"trajs: trajectory {int(np.flatnonzero(length == 0)[0])} has no valid point.")
    # only trailing NaN (the end of a shorter track) is allowed
    gap = valid[:, 1:] & ~valid[:, :-1]
    if gap.any():
        raise ValueError(
            f"trajs: trajectory {int(np.flatnonzero(gap.any(axis=1))[0])} has a gap (NaN followed by "
            "valid points); mle_alpha needs evenly sampled tracks: split the track at the gap "
            "or fill it first.")
    if np.any(length < 3):
        raise ValueError(f"trajs: every trajectory needs at least 3 points, got {int(length.min())}.")
    groups = []
    for L in np.unique(length):
        rows = np.flatnonzero(length == L)
        dx = np.diff(x[rows, :L], axis=1)
        groups.append((rows, dx))
    return groups, x.shape[0], ts.single


class _Scaled:
    """Validated trajectories as groups of equal length, each rescaled to unit rms increment
    (alpha is scale-free), with the noise variance in the same units; immobile ones are
    left out of the groups with one RuntimeWarning."""

    def __init__(self, trajs, sigma):
        self._groups, self.n, self.single = _as_increments(trajs)
        if sigma is not None:
            if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
                raise TypeError(f"sigma: expected a number >= 0 (a standard deviation) or None, got {sigma!r}.")
            if not math.isfinite(float(sigma)) or sigma < 0:
                raise ValueError(f"sigma: expected a finite number >= 0 (a standard deviation), got {sigma!r}.")
            sigma = float(sigma)
        self.sigma = sigma

    def groups(self):
        """Yield (rows, increments y (B, n, c) at unit rms, noise variance s2 (B,) or None)."""
        n_immobile = 0
        for rows, dx in self._groups:
            scale = np.sqrt(np.mean(dx**2, axis=(1, 2)))
            moving = scale > 0
            n_immobile += int((~moving).sum())
            if moving.any():
                s2 = None if not self.sigma else (self.sigma / scale[moving]) ** 2
                yield rows[moving], dx[moving] / scale[moving, None, None], s2
        if n_immobile:
            warnings.warn(f"trajs: {n_immobile} immobile trajectory(ies) (all positions equal) carry "
                          "no information on alpha; their results are NaN.", RuntimeWarning, stacklevel=3)


def mle_alpha(trajs, *, sigma=None):
    """Maximum-likelihood exponent of fractional Brownian motion, with standard errors.

    The increments of FBM are Gaussian with Toeplitz covariance ``D * gamma(|i - j|)``,
    ``gamma(k) = (|k + 1|**alpha - 2 |k|**alpha + |k - 1|**alpha) / 2``. The diffusivity
    D is unknown and profiled out; alpha maximizes the profile likelihood.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions. Components of (N, T, d) input are independent with a common D (their
        log-likelihoods add). Trajectories may end early (trailing NaN, or a list of
        unequal-length arrays); each needs at least 3 points.
    sigma : float, optional
        Known standard deviation of the localization noise per coordinate, in the units of
        the positions. ``None`` (default): no noise.

    Returns
    -------
    alpha : ndarray, shape (N,), or float
        Estimates in [0.005, 1.995]; a float for one trajectory of shape (T,).
    stderr : ndarray, shape (N,), or float
        Standard errors from the observed Fisher information. ``alpha +- 1.96 stderr`` is an
        approximate 95 % confidence interval. Immobile trajectories (all positions equal)
        give NaN for both, with one ``RuntimeWarning``.

    Raises
    ------
    ValueError
        For a trajectory without valid points, with fewer than 3 points, with a gap
        (NaN followed by valid points: split or fill it), or with infinite positions.

    See Also
    --------
    mle_interval : the profile-likelihood interval, which keeps its coverage on short tracks.
    anomdiff.fit_alpha : the TA-MSD fit, a faster but less precise estimate.
    anomdiff.theory.fbm_crlb : the Cramér-Rao bound that this estimator approaches.

    Notes
    -----
    With n = T - 1 increments y of each of d components, the log-likelihood is
    ``l = -(1/2) sum_c [y_c^T S^-1 y_c] - (d/2) log det S`` (constants dropped). Without
    noise ``S = D Gamma(alpha)`` and the maximum over D is ``D = sum_c y_c^T Gamma^-1 y_c /
    (n d)``, so ``l_p(alpha) = -(n d / 2) log D(alpha) - (d / 2) log det Gamma`` [1]_. With
    noise, the observed increments have ``S = D Gamma(alpha) + sigma**2 M`` with M the
    MA(1) matrix (2 on the diagonal, -1 beside it); D is then profiled numerically
    (golden section on log D).

    ``y^T S^-1 y`` and ``log det S`` come from the Levinson-Durbin recursion (the
    innovations of the Toeplitz covariance): O(T**2) per trajectory and likelihood
    evaluation, no O(T**3) solve. alpha is found on a grid of 50 exponents, refined by a
    parabola through the best three grid points and two Newton steps; the standard error is
    ``(-l_p''(alpha))**-1/2`` by central differences. Cost without noise: 50 grid
    evaluations sharing one covariance (one O(T**2) recursion and an O(N T**2) product
    each) and 6 per-trajectory evaluations, O(N T**2) each. Measured (2 cores shared):
    1.4 s for N = 2000 at T = 100, 0.05 s per trajectory at T = 1000. With noise each
    evaluation of the profile has an inner search over log D (25-30 evaluations): 0.04 s
    per trajectory at T = 100.

    Accuracy (benchmarks/estimators.py; 2000 FBM trajectories, T = 100, alpha uniform in
    (0.2, 1.8)): the MAE is 1.04 times ``sqrt(2/pi)`` times the Cramér-Rao bound averaged
    over alpha, and the 95 % intervals cover the truth 93.4 % of the time (90.5 % for
    alpha < 0.6, where the profile likelihood is skewed, for which :func:`mle_interval`
    gives intervals that keep their coverage; 94-95 % above). At T = 30: 1.06
    and 92.6 %; at T = 1000: 1.04 and 94.0 %.

    References
    ----------
    .. [1] Kay, Fundamentals of Statistical Signal Processing: Estimation Theory
       (Prentice Hall, 1993), Sec. 7.5 and 3.9 (Gaussian MLE and its Fisher information).
    .. [2] Durbin, Rev. Inst. Int. Stat. 28, 233 (1960), doi:10.2307/1401322
       (the recursion).

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 200, 1.4, N=200, rng=1)
    >>> alpha, se = mle_alpha(x)
    >>> bool(abs(alpha.mean() - 1.4) < 0.02), bool(0.05 < se.mean() < 0.1)
    (True, True)
    """
    data = _Scaled(trajs, sigma)
    alpha = np.full(data.n, np.nan)
    stderr = alpha.copy()
    for rows, y, s2 in data.groups():
        alpha[rows], stderr[rows] = _fit_group(y, s2)
    if data.single:
        return float(alpha[0]), float(stderr[0])
    return alpha, stderr


def _crossing(f, inside, outside, iters=16):
    """Vectorized bisection for the point between ``inside`` (f >= 0) and ``outside`` (f < 0)."""
    for _ in range(iters):
        mid = 0.5 * (inside + outside)
        up = f(mid) >= 0
        inside, outside = np.where(up, mid, inside), np.where(up, outside, mid)
    return 0.5 * (inside + outside)


def mle_interval(trajs, *, sigma=None, level=0.95):
    """Profile-likelihood confidence interval of the FBM exponent.

    The exponents whose profile log-likelihood lies within ``q / 2`` of its maximum, with q
    the ``level`` quantile of the chi-square distribution with one degree of freedom (the
    likelihood-ratio test). Unlike ``alpha +- 1.96 stderr`` from :func:`mle_alpha`, the
    interval follows the shape of the likelihood: it is asymmetric where the likelihood is
    skewed (small alpha, short trajectories).

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions, as for :func:`mle_alpha` (at least 3 points each, trailing NaN allowed).
    sigma : float, optional
        Known standard deviation of the localization noise per coordinate, in the units of
        the positions. ``None`` (default): no noise.
    level : float, default 0.95
        Confidence level, in (0, 1).

    Returns
    -------
    lower, upper : ndarray, shape (N,), or floats
        The ends of the interval; 0 or 2 where the likelihood stays above the threshold up to
        that end of the admitted range. Floats for one trajectory of shape (T,); NaN for
        immobile trajectories (one ``RuntimeWarning``).

    Raises
    ------
    ValueError
        For ``level`` outside (0, 1), and for the bad trajectories or ``sigma`` that
        :func:`mle_alpha` refuses.
    TypeError
        For a ``level`` that is not a number.

    See Also
    --------
    mle_alpha : the estimate and its standard error.
    anomdiff.theory.fbm_crlb : the Cramér-Rao bound.

    Notes
    -----
    Each end is found by bisection (16 steps) on the profile log-likelihood of
    :func:`mle_alpha` (D profiled out; with noise, log D searched by golden section over its
    full range at every step), so the cost is about 35 likelihood evaluations per trajectory
    on top of the estimate, O(T**2) each. Measured on 2 cores: 3.2 s for N = 2000 at
    T = 100, 0.13 s per trajectory at T = 1000, and 0.1 s per trajectory with noise at
    T = 100. On FBM at T = 100 (1000 trajectories per exponent) the 95 % interval covers the
    truth 94.7-95.5 % of the time at alpha = 0.2, 0.3, 0.5, 1 and 1.6, where
    ``alpha +- 1.96 stderr`` gives 92.5-94.9 %; at T = 30, 94.8-97.2 % against 89.9-93.6 %.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 100, 0.3, N=200, rng=4)
    >>> lower, upper = mle_interval(x)
    >>> bool(np.all(lower < upper)), bool(0.9 < np.mean((lower <= 0.3) & (0.3 <= upper)) <= 1)
    (True, True)
    """
    if isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise TypeError(f"level: expected a number in (0, 1), e.g. 0.95, got {level!r}.")
    if not 0 < level < 1:
        raise ValueError(f"level: expected a confidence level in (0, 1), e.g. 0.95, got {level!r}.")
    drop = 0.5 * statistics.NormalDist().inv_cdf(0.5 + 0.5 * float(level)) ** 2
    data = _Scaled(trajs, sigma)
    lower = np.full(data.n, np.nan)
    upper = lower.copy()
    for rows, y, s2 in data.groups():
        a, _ = _fit_group(y, s2)
        top = _profile(a, y, s2)[0]
        def above(alpha, top=top, y=y, s2=s2):  # with noise, log D searched over its full range
            return _profile(alpha, y, s2)[0] - (top - drop)
        for ends, edge in ((lower, _A_LO), (upper, _A_HI)):
            wall = np.full(a.shape, edge)
            open_end = above(wall) >= 0
            ends[rows] = np.where(open_end, round(edge), _crossing(above, a, wall))
    if data.single:
        return float(lower[0]), float(upper[0])
    return lower, upper
