"""The ergodicity-breaking parameter EB(t).

EB measures how much single-trajectory TA-MSDs scatter: for ergodic motion they all
converge to the ensemble MSD and EB -> 0; for a subdiffusive CTRW EB tends to
:func:`anomdiff.theory.eb_ctrw`. Reference: He, Burov, Metzler & Barkai, PRL 101, 058101
(2008), doi:10.1103/PhysRevLett.101.058101.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._validate import as_int, as_trajectory_set


def eb(trajs, lag):
    r"""Ergodicity-breaking parameter EB(t) for every cut length t = lag+1 .. T.

    :math:`EB(t) = \langle m^2 \rangle / \langle m \rangle^2 - 1`, where m is each
    trajectory's TA-MSD at ``lag`` computed on its first t points and the average runs over
    trajectories.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (N, T, d), or list of arrays
        Positions of at least two trajectories (NaN marks a missing point); see
        :func:`anomdiff.tamsd`.
    lag : int
        Lag in frames, 1 <= lag <= T - 1.

    Returns
    -------
    t : ndarray of int, shape (T - lag,)
        Cut lengths lag+1 .. T (frames).
    EB : ndarray, shape (T - lag,)
        EB at each cut length (dimensionless). NaN (with one warning) where every
        contributing trajectory is immobile over its first t points, or fewer than two
        trajectories have a valid pair yet.

    See Also
    --------
    anomdiff.tamsd : The TA-MSD whose scatter EB measures.
    anomdiff.theory.eb_ctrw : The CTRW's limit of EB for long trajectories.

    Notes
    -----
    All cut lengths come from one cumulative sum of squared lag-displacements: O(N T).
    Without gaps, :math:`m_i(t) = S_i(t) / (t - Δ)` and the common factor cancels in the
    ratio, so only the running sums S are needed. With gaps, each trajectory's TA-MSD at
    cut length t is the mean over its valid pairs (both points present) among the first t
    points, :math:`m_i(t) = S_i(t) / C_i(t)` with C the running count of valid pairs, and
    the averages run over the trajectories with :math:`C_i(t) > 0`.

    EB is scale-free: the displacements are first rescaled by a power of two (exactly), so
    tiny or huge positions give the same EB as moderate ones.

    For ergodic motion EB decays to 0: for Brownian motion at lag 1, m is the mean of
    t - 1 independent squared Gaussian steps, so the ensemble EB(t) is 2 / (t - 1). For the
    subdiffusive CTRW EB tends to a non-zero limit [1]_.

    References
    ----------
    .. [1] Y. He, S. Burov, R. Metzler and E. Barkai, "Random time-scale invariant diffusion
       and transport coefficients", Phys. Rev. Lett. 101, 058101 (2008),
       doi:10.1103/PhysRevLett.101.058101.

    Examples
    --------
    >>> t, e = eb([[0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]], 1)
    >>> t.tolist(), e.round(3).tolist()
    ([2, 3, 4], [0.36, 0.36, 0.36])
    """
    ts = as_trajectory_set(trajs, allow_single=False)
    x = ts.x
    N, T, dim = x.shape
    if N < 2:
        raise ValueError("trajs: EB is a variance over trajectories; pass at least two.")
    lag = as_int(lag, "lag", 1)
    if lag > T - 1:
        raise ValueError(f"lag: expected 1 <= lag <= T - 1 = {T - 1}, got {lag}.")
    s = x[:, lag:] - x[:, :-lag]
    if np.isinf(s).any():  # differences of positions near the float64 limit
        s = x[:, lag:] * 0.5 - x[:, :-lag] * 0.5
    # EB is scale-free: rescale by a power of two (exact) so squares neither under- nor overflow.
    big = max(np.nanmax(s), -np.nanmin(s)) if ts.gaps else max(s.max(), -s.min())  # no copy
    if big > 0:
        np.ldexp(s, -np.frexp(big)[1], out=s)
    if dim == 1:
        s = s[:, :, 0]
        np.square(s, out=s)
    else:
        s = np.einsum("ntk,ntk->nt", s, s)
    if ts.gaps:
        pairs = ~np.isnan(s)
        s[~pairs] = 0.0
        np.cumsum(s, axis=1, out=s)
        count = np.cumsum(pairs, axis=1)
        has = count > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            s /= count  # each trajectory's TA-MSD at every cut length (NaN where no pair yet)
        n = has.sum(axis=0)
        s[~has] = 0.0
        mean = s.sum(axis=0) / np.maximum(n, 1)
        mean_sq = np.einsum("ij,ij->j", s, s) / np.maximum(n, 1)
    else:
        # m_i(t) = S_i(k) / k with S the running sum of squared lag-displacements, k = t - lag;
        # the 1/k cancels in <m^2>/<m>^2, so only S is needed (computed in place).
        np.cumsum(s, axis=1, out=s)
        n = np.full(s.shape[1], N)
        mean = s.mean(axis=0)
        mean_sq = np.einsum("ij,ij->j", s, s) / N
    with np.errstate(divide="ignore", invalid="ignore"):
        value = mean_sq / mean**2 - 1
    undefined = (mean == 0) | (n < 2)
    value[undefined] = np.nan
    if np.any(undefined):
        warnings.warn(
            f"eb: at {int(np.sum(undefined))} cut lengths all trajectories are immobile or fewer "
            "than two have a valid pair; EB is undefined (NaN) there.",
            RuntimeWarning,
            stacklevel=2,
        )
    return np.arange(lag + 1, T + 1), value
