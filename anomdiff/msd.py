"""Mean squared displacements (TA-MSD, EA-MSD, TEA-MSD) and exponent fits.

Definitions, for positions x_0..x_{T-1} (vectors in d dimensions; squares are summed over the
components):

* TA-MSD (time average over one trajectory):
  ``delta2(lag) = 1/(T - lag) * sum_{t=0}^{T-lag-1} |x_{t+lag} - x_t|**2``
* EA-MSD (ensemble average at time t): ``<|x_t - x_0|**2>`` over trajectories
* TEA-MSD: the ensemble average of the TA-MSDs

A NaN position marks a missing point (a gap, or the end of a shorter track): the averages then
run over the pairs where both points exist. Times are in frames and positions in the input's
units; :mod:`anomdiff.tracks` converts to physical units.

Reference: Metzler, Jeon, Cherstvy & Barkai, PCCP 16, 24128 (2014), doi:10.1039/C4CP03465A.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.fft

from ._validate import as_lags, as_sigma, as_trajectory_set

__all__ = ["tamsd", "eamsd", "teamsd", "fit_alpha", "fit_loglog"]

_EPS = np.finfo(np.float64).eps
# Lags whose FFT result could be less accurate than this (relative, by a bound about 3x
# above the errors observed) are recomputed directly.
_FFT_REL_TOL = 3e-11
# Rows per FFT block: about 2**22 spectrum values (64 MB) at a time bounds memory.
_BLOCK = 2**22


# ------------------------------------------------------------------ sums over pairs
def _direct_sums(x: np.ndarray, lag: int) -> np.ndarray:
    """sum_t |x_{t+lag} - x_t|^2 per row of x (R, T, d), NaN pairs left out."""
    d = x[:, lag:] - x[:, :-lag]
    if d.shape[2] == 1 and not np.isnan(d).any():
        return np.einsum("ij,ij->i", d[:, :, 0], d[:, :, 0])  # 1-D gapless: as before, bit for bit
    s = np.einsum("itk,itk->it", d, d)
    return np.nansum(s, axis=1) if np.isnan(s).any() else s.sum(axis=1)


def _fft_sums_gapless(x: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """sum_t |x_{t+lag} - x_t|^2 for gapless rows x, (R, T) or (R, T, d), by FFT, with exact fallbacks."""
    R, T = x.shape[:2]
    # Rows arrive shifted to start at 0, so a constant row is all zeros and stays so here.
    xc = x - x.mean(axis=1, keepdims=True)
    sq = xc * xc if x.ndim == 2 else np.einsum("rtk,rtk->rt", xc, xc)
    csum = np.concatenate([np.zeros((R, 1)), np.cumsum(sq, axis=1)], axis=1)
    size = scipy.fft.next_fast_len(2 * T, real=True)
    f = scipy.fft.rfft(xc, n=size, axis=1, workers=-1)
    power = f.real**2 + f.imag**2
    if x.ndim == 3:
        power = power.sum(axis=2)  # one inverse FFT for all d components
    acf = scipy.fft.irfft(power, n=size, axis=1, workers=-1)[:, lags]
    head = csum[:, T - lags]  # sum_{t < T-lag} |x_t|^2
    tail = csum[:, T:T + 1] - csum[:, lags]  # sum_{t >= lag} |x_t|^2
    sums = head + tail - 2 * acf
    # Rounding error of the FFT path is about eps * log2(size) * sum(|x|^2) per row.
    err = 64 * _EPS * np.log2(size) * csum[:, T:T + 1]
    suspect = ~(err <= _FFT_REL_TOL * np.abs(sums))  # also catches inf/NaN from overflow
    for j in np.flatnonzero(suspect.any(axis=0)):
        rows = np.flatnonzero(suspect[:, j])
        sums[rows, j] = _direct_sums(x[rows] if x.ndim == 3 else x[rows, :, None], int(lags[j]))
    return sums


def _fft_sums_gaps(x: np.ndarray, valid: np.ndarray, lags: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums over valid pairs for rows x (R, T, d) with gaps, by FFT, with exact fallbacks.

    With m the mask and y = m x (zero where missing),
    sum_t m_t m_{t+l} |x_{t+l} - x_t|^2 = C[m, q](l) + C[q, m](l) - 2 sum_k C[y_k, y_k](l),
    where q = |y|^2 and C[a, b](l) = sum_t a_t b_{t+l}: three correlations by FFT.
    """
    R, T, dim = x.shape
    m = valid.astype(np.float64)
    n = m.sum(axis=1)
    y = np.where(valid[..., None], x, 0.0)
    y -= (y.sum(axis=1) / n[:, None])[:, None, :]  # centre on the valid points' mean
    y *= m[..., None]
    q = np.einsum("itk,itk->it", y, y)
    size = scipy.fft.next_fast_len(2 * T, real=True)
    fm = scipy.fft.rfft(m, n=size, axis=1, workers=-1)
    fq = scipy.fft.rfft(q, n=size, axis=1, workers=-1)
    spec = 2 * (fm.real * fq.real + fm.imag * fq.imag)  # C[m, q] + C[q, m]
    del fq
    fy = scipy.fft.rfft(y, n=size, axis=1, workers=-1)
    spec -= 2 * np.einsum("ifk,ifk->if", fy.real, fy.real)
    spec -= 2 * np.einsum("ifk,ifk->if", fy.imag, fy.imag)
    del fy
    sums = scipy.fft.irfft(spec, n=size, axis=1, workers=-1)[:, lags]
    # C[m, q] is bounded by |m| |q|: rounding error about eps log2(size) (sum q + sqrt(n) |q|).
    scale = q.sum(axis=1) + np.sqrt(n * np.einsum("it,it->i", q, q))
    err = 64 * _EPS * np.log2(size) * scale[:, None]
    suspect = ~(err <= _FFT_REL_TOL * np.abs(sums)) & (counts > 0)  # no pair: set to 0 later
    for j in np.flatnonzero(suspect.any(axis=0)):
        rows = np.flatnonzero(suspect[:, j])
        lag = int(lags[j])
        sums[rows, j] = _direct_sums_rows(x, rows, lag)
    return sums


def _direct_sums_rows(x: np.ndarray, rows: np.ndarray, lag: int) -> np.ndarray:
    """_direct_sums for some rows, copying only the two shifted slices."""
    d = x[rows, lag:] - x[rows, : x.shape[1] - lag]
    s = np.einsum("itk,itk->it", d, d)
    return np.nansum(s, axis=1)


def _pair_counts(valid: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Number of pairs (t, t+lag) with both points valid, per row and lag."""
    if lags.size <= 8:
        return np.stack([np.count_nonzero(valid[:, lag:] & valid[:, :-lag], axis=1) for lag in lags], axis=1)
    m = valid.astype(np.float64)
    size = scipy.fft.next_fast_len(2 * valid.shape[1], real=True)
    f = scipy.fft.rfft(m, n=size, axis=1, workers=-1)
    # Counts are integers far below 2**52; the FFT's rounding error is far below 0.5.
    return np.rint(scipy.fft.irfft(f.real**2 + f.imag**2, n=size, axis=1, workers=-1)[:, lags])


def _blocks(n_rows: int, T: int):
    step = max(1, _BLOCK // (2 * T))
    return (slice(i, min(i + step, n_rows)) for i in range(0, n_rows, step))


def _tamsd_parts(x: np.ndarray, lags: np.ndarray, gaps: bool):
    """(sums, counts) over valid pairs for x (N, T, d); rows shifted so constant rows give 0."""
    N, T, dim = x.shape
    if not gaps:
        x = x - x[:, :1]  # shift invariance; a constant row becomes exactly 0
        counts = np.broadcast_to((T - lags).astype(np.float64), (N, lags.size))
        if lags.size <= 8:
            sums = np.stack([_direct_sums(x, int(lag)) for lag in lags], axis=1)
            return sums, counts
        rows = x[:, :, 0] if dim == 1 else x  # 1-D as (N, T): results as before, bit for bit
        sums = np.empty((N, lags.size))
        for b in _blocks(N, T * dim):
            sums[b] = _fft_sums_gapless(rows[b], lags)
        return sums, counts
    valid = ~np.isnan(x[:, :, 0])
    first = np.argmax(valid, axis=1)
    x = x - x[np.arange(N), first][:, None, :]
    if lags.size <= 8:
        counts = _pair_counts(valid, lags)
        sums = np.stack([_direct_sums(x, int(lag)) for lag in lags], axis=1)
    else:
        counts, sums = np.empty((N, lags.size)), np.empty((N, lags.size))
        for b in _blocks(N, T * (dim + 2)):
            counts[b] = _pair_counts(valid[b], lags)
            sums[b] = _fft_sums_gaps(x[b], valid[b], lags, counts[b])
    sums[counts == 0] = 0.0
    return sums, counts


def _lags(lags, ts) -> np.ndarray:
    """as_lags, with a hint when a (T, d) trajectory was probably read as (N, T)."""
    N, T = ts.x.shape[:2]
    try:
        return as_lags(lags, T)
    except ValueError as err:
        if ts.dim1 and T <= 3 < N:
            raise ValueError(
                f"{err} A 2-D array is read as N = {N} trajectories of T = {T} points; pass one "
                f"d-dimensional trajectory y of shape (T, d) as y[None]."
            ) from None
        raise


def _warn(message: str, stacklevel: int) -> None:
    """``warnings.warn(message, RuntimeWarning, stacklevel)``, as if called where this is."""
    warnings.warn(message, RuntimeWarning, stacklevel=stacklevel + 1)


def _tamsd(x: np.ndarray, lags: np.ndarray, gaps: bool, caller: str) -> np.ndarray:
    """TA-MSD (N, L) of validated x (N, T, d), with the NaN and overflow warnings."""
    sums, counts = _tamsd_parts(x, lags, gaps)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = sums / counts
    empty = counts == 0
    if empty.any():
        rows = int(empty.any(axis=1).sum())
        _warn(f"{caller}: {rows} of {len(out)} trajectories have no valid pair (t, t + lag) at "
              f"some lags (too short or too gappy); their TA-MSD is NaN there.", stacklevel=3)
    if np.isinf(out).any():
        _warn(f"{caller}: squared displacements overflow float64 (positions too large, e.g. "
              "> 1e154); the TA-MSD is inf there. Rescale the positions first.", stacklevel=3)
    return out


# ------------------------------------------------------------------ public functions
def tamsd(trajs, lags) -> np.ndarray:
    """Time-averaged MSD of each trajectory at the given lags.

    The TA-MSD at lag Δ is the mean of :math:`|x_{t+Δ} - x_t|^2` over all pairs of valid
    points (t, t + Δ) of one trajectory, with the squares summed over the d components.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions, in any length unit: N trajectories of T points (1-D) or of T points with
        d components, one 1-D trajectory of shape (T,), or a list of arrays of unequal
        lengths (padded with NaN). NaN marks a missing point. A 2-D array is always (N, T);
        pass one d-dimensional trajectory ``y`` of shape (T, d) as ``y[None]``.
    lags : int or sequence of int
        Lags in frames, 1 <= lag <= T - 1 (T the longest trajectory's length).

    Returns
    -------
    ndarray, shape (N, L), or (L,) for one trajectory of shape (T,)
        TA-MSD in squared position units. NaN (with one warning) where a trajectory has no
        valid pair at a lag (too short, or too many gaps).

    See Also
    --------
    teamsd : The mean over trajectories of these TA-MSDs.
    eamsd : The ensemble average of :math:`|x_t - x_0|^2`.
    fit_alpha : Exponents from log-log fits of the TA-MSD.

    Notes
    -----
    Without gaps, the sums of squared displacements for all lags come from cumulative sums
    of :math:`|x|^2` and an FFT autocorrelation (the power spectra of the d components summed
    before one inverse FFT), vectorized over trajectories (:math:`O(N d T \\log T)`). With gaps, with :math:`m_t` the mask of valid
    points and :math:`y_t = m_t x_t`,

    .. math::

        \\sum_t m_t m_{t+Δ} |x_{t+Δ} - x_t|^2 = \\sum_t (m_t q_{t+Δ} + q_t m_{t+Δ})
        - 2 \\sum_t y_t \\cdot y_{t+Δ}, \\qquad q_t = |y_t|^2,

    three correlations computed by FFT, and the number of valid pairs is the FFT
    autocorrelation of :math:`m`. For at most 8 lags the sums are computed directly.

    Accuracy contract: wherever the FFT could lose more than :math:`3 \\times 10^{-11}`
    relative accuracy (by a rounding-error bound: a tiny TA-MSD next to large positions,
    e.g. long immobile CTRW stretches), that lag is recomputed directly, so results agree
    with the definition to about :math:`10^{-11}` relative; a constant trajectory gives
    exactly 0. Squared displacements beyond the float64 range give inf with a warning.

    References
    ----------
    .. [1] R. Metzler, J.-H. Jeon, A. G. Cherstvy and E. Barkai, "Anomalous diffusion models
       and their properties: non-stationarity, non-ergodicity, and ageing at the centenary
       of single particle tracking", Phys. Chem. Chem. Phys. 16, 24128 (2014),
       doi:10.1039/C4CP03465A.

    Examples
    --------
    >>> tamsd([0.0, 1.0, 2.0, 3.0], [1, 2, 3]).tolist()
    [1.0, 4.0, 9.0]

    A gap (NaN) leaves out the pairs that touch it:

    >>> tamsd([0.0, 1.0, float("nan"), 3.0], [1, 2]).tolist()
    [1.0, 4.0]

    Two dimensions: squares are summed over the components.

    >>> tamsd([[[0.0, 0.0], [3.0, 4.0]]], 1).tolist()
    [[25.0]]
    """
    ts = as_trajectory_set(trajs)
    lags = _lags(lags, ts)
    out = _tamsd(ts.x, lags, ts.gaps, "tamsd")
    return out[0] if ts.single else out


def eamsd(trajs) -> np.ndarray:
    """Ensemble-averaged MSD :math:`\\langle |x_t - x_0|^2 \\rangle` for t = 0..T-1.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (N, T, d), or list of arrays
        Positions of N trajectories (NaN marks a missing point); see :func:`tamsd`.

    Returns
    -------
    ndarray, shape (T,)
        EA-MSD in squared position units at times 0..T-1 (frames). At each time the mean runs
        over the trajectories where both :math:`x_0` and :math:`x_t` exist; NaN (with one
        warning) at times where none does.

    See Also
    --------
    tamsd : Time averages along each trajectory.
    teamsd : The ensemble mean of the TA-MSDs.

    Notes
    -----
    A trajectory whose first point :math:`x_0` is missing does not contribute at all.
    :func:`anomdiff.tracks_from_dataframe` starts each track at its first frame, so
    :math:`x_0` exists there. The EA-MSD measures from the start of the process; for
    non-stationary models it differs from the TA-MSD [1]_.

    References
    ----------
    .. [1] Metzler, Jeon, Cherstvy & Barkai, PCCP 16, 24128 (2014), doi:10.1039/C4CP03465A.

    Examples
    --------
    >>> eamsd([[0.0, 1.0, 2.0], [0.0, -1.0, 0.0]]).tolist()
    [0.0, 1.0, 2.0]
    >>> eamsd([[0.0, 1.0, 2.0], [0.0, 3.0]]).tolist()  # unequal lengths
    [0.0, 5.0, 4.0]
    """
    ts = as_trajectory_set(trajs, allow_single=False, min_length=1)
    x = ts.x
    d = x - x[:, :1]
    sq = np.einsum("ntk,ntk->nt", d, d)
    if not ts.gaps:
        return np.mean(sq, axis=0)
    valid = ~np.isnan(sq)
    n = valid.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(valid, sq, 0.0).sum(axis=0) / n
    if np.any(n == 0):
        _warn(f"eamsd: at {int(np.sum(n == 0))} of {len(n)} times no trajectory has both x_0 "
              "and x_t; the EA-MSD is NaN there.", stacklevel=2)
    return out


def teamsd(trajs, lags) -> np.ndarray:
    """Ensemble average of the TA-MSDs (TEA-MSD) at the given lags.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (N, T, d), or list of arrays
        Positions of N trajectories (NaN marks a missing point); see :func:`tamsd`.
    lags : int or sequence of int
        Lags in frames, 1 <= lag <= T - 1.

    Returns
    -------
    ndarray, shape (L,)
        The mean of the TA-MSDs over the trajectories with a valid value at each lag, in
        squared position units; NaN (with the warning of :func:`tamsd`) where none has one.

    See Also
    --------
    tamsd : The single-trajectory TA-MSDs averaged here.
    eamsd : The ensemble average from the start of the process.

    Notes
    -----
    Every trajectory has weight one, whatever its number of valid pairs. For stationary
    increments the TEA-MSD equals the EA-MSD; for ageing or non-stationary models it
    does not [1]_.

    References
    ----------
    .. [1] Metzler, Jeon, Cherstvy & Barkai, PCCP 16, 24128 (2014), doi:10.1039/C4CP03465A.

    Examples
    --------
    >>> teamsd([[0.0, 1.0, 2.0], [0.0, 0.0, 0.0]], [1, 2]).tolist()
    [0.5, 2.0]
    """
    ts = as_trajectory_set(trajs, allow_single=False)
    lags = _lags(lags, ts)
    m = _tamsd(ts.x, lags, ts.gaps, "teamsd")
    if not ts.gaps:
        return m.mean(axis=0)
    valid = ~np.isnan(m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, m, 0.0).sum(axis=0) / valid.sum(axis=0)


def fit_loglog(lags, values):
    """Least-squares lines log(values) = log(K) + alpha log(lags), one per row.

    Parameters
    ----------
    lags : array_like, shape (L,)
        Positive abscissae.
    values : array_like, shape (L,) or (N, L)
        Values to fit. Non-positive or non-finite values are left out of their row's fit.

    Returns
    -------
    alpha : ndarray, shape (N,)
        Slopes; NaN for rows with fewer than two usable points.
    K : ndarray, shape (N,)
        Prefactors exp(intercept); NaN likewise.
    usable : ndarray of int, shape (N,)
        Number of points used per row.

    See Also
    --------
    fit_alpha : The exponent fit of trajectories, built on this.

    Examples
    --------
    >>> a, k, n = fit_loglog([1, 2, 4], [3.0, 12.0, 48.0])
    >>> round(float(a[0]), 12), round(float(k[0]), 12), int(n[0])
    (2.0, 3.0, 3)
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

    Fits :math:`\\log \\overline{\\delta^2}(Δ) = \\log(2 d K) + α \\log Δ` by least squares,
    per trajectory.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions (NaN marks a missing point); see :func:`tamsd`.
    lags : int or sequence of int
        Lags in frames used in the fit, 1 <= lag <= T - 1, at least two different ones.
        Repeated lags are counted once.
    sigma : float, optional
        Standard deviation of the localization noise per coordinate, in position units. If
        given, the noise offset :math:`2 d σ^2` is subtracted from the TA-MSD and only lags
        where the corrected value stays positive are used, per trajectory [2]_.
    return_diffusivity : bool, default False
        Also return the generalized diffusion coefficient K.

    Returns
    -------
    alpha : ndarray, shape (N,), or float for one trajectory of shape (T,)
        Exponents. NaN where fewer than two lags are usable (an immobile trajectory, too
        short a track, or every lag non-positive after the noise correction); one warning
        then tells how many.
    K : ndarray, shape (N,), or float
        Only if ``return_diffusivity``: K with TA-MSD :math:`= 2 d K Δ^α`, in
        position² / frame^α (see :func:`anomdiff.units.diffusivity_to_physical`).

    See Also
    --------
    tamsd : The TA-MSD that is fitted.
    fit_loglog : The least-squares line fit.
    anomdiff.add_localization_noise : Simulated localization noise.

    Notes
    -----
    Localization noise of variance :math:`σ^2` per coordinate adds
    :math:`2 d σ^2` to every TA-MSD value, which bends the log-log curve and biases the
    exponent low; subtracting it removes most of the bias [2]_. The TA-MSD of a trajectory
    is an ergodic estimate of the ensemble MSD only for ergodic models [1]_.

    References
    ----------
    .. [1] R. Metzler, J.-H. Jeon, A. G. Cherstvy and E. Barkai, Phys. Chem. Chem. Phys. 16,
       24128 (2014), doi:10.1039/C4CP03465A.
    .. [2] X. Michalet, "Mean square displacement analysis of single-particle trajectories
       with localization error: Brownian motion in an isotropic medium", Phys. Rev. E 82,
       041914 (2010), doi:10.1103/PhysRevE.82.041914.

    Examples
    --------
    >>> x = [0.0, 1.0, 2.0, 3.0, 4.0]
    >>> round(float(fit_alpha(x, [1, 2, 3])), 6)
    2.0
    """
    if not isinstance(return_diffusivity, (bool, np.bool_)):
        raise TypeError(f"return_diffusivity: expected True or False, got {return_diffusivity!r}.")
    ts = as_trajectory_set(trajs)
    lags = np.unique(_lags(lags, ts))
    if lags.size < 2:
        raise ValueError(f"lags: a fit needs at least two different lags, got {lags.tolist()}.")
    dim = ts.x.shape[2]
    m = _tamsd(ts.x, lags, ts.gaps, "fit_alpha")
    if sigma is not None:
        with np.errstate(over="ignore"):  # a huge sigma leaves no usable lag (NaN, warned)
            m = m - 2.0 * dim * np.float64(as_sigma(sigma)) ** 2
    alpha, k, n = fit_loglog(lags, m)
    failed = int(np.sum(n < 2))
    if failed:
        why = "after the noise correction" if sigma is not None else "(immobile or too short)"
        _warn(f"fit_alpha: {failed} of {len(alpha)} trajectories have fewer than two lags with "
              f"a positive TA-MSD {why}; their exponent is NaN.", stacklevel=2)
    K = k / (2 * dim)
    if ts.single:
        alpha, K = float(alpha[0]), float(K[0])
    return (alpha, K) if return_diffusivity else alpha
