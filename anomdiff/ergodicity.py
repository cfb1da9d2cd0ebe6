"""The ergodicity-breaking parameter EB(t).

EB measures how much single-trajectory TA-MSDs scatter: for ergodic motion they all
converge to the ensemble MSD and EB -> 0; for a subdiffusive CTRW EB tends to
:func:`anomdiff.theory.eb_ctrw`. Reference: He, Burov, Metzler & Barkai, PRL 101, 058101
(2008), doi:10.1103/PhysRevLett.101.058101.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._validate import as_int, as_trajectories


def eb(trajs, lag):
    """EB(t) = <m^2> / <m>^2 - 1 for every cut length t = lag+1 .. T.

    m is each trajectory's TA-MSD at ``lag`` computed on its first t points, and <.> is the
    average over trajectories. All cut lengths come from one cumulative sum: O(N T).

    Parameters
    ----------
    trajs : array_like, shape (N, T)
        At least two trajectories.
    lag : int
        1 <= lag <= T - 1.

    Returns
    -------
    t : ndarray of int, shape (T - lag,)
        Cut lengths lag+1 .. T.
    EB : ndarray, shape (T - lag,)
        NaN (with one warning) where every trajectory is immobile over its first t points.

    Examples
    --------
    >>> t, e = eb([[0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]], 1)
    >>> t.tolist(), e.round(3).tolist()
    ([2, 3, 4], [0.36, 0.36, 0.36])
    """
    x, _ = as_trajectories(trajs, allow_1d=False)
    N, T = x.shape
    if N < 2:
        raise ValueError("trajs: EB is a variance over trajectories; pass at least two.")
    lag = as_int(lag, "lag", 1)
    if lag > T - 1:
        raise ValueError(f"lag: expected 1 <= lag <= T - 1 = {T - 1}, got {lag}.")
    # m_i(t) = S_i(k) / k with S the running sum of squared lag-displacements, k = t - lag;
    # the 1/k cancels in <m^2>/<m>^2, so only S is needed (computed in place).
    s = x[:, lag:] - x[:, :-lag]
    np.square(s, out=s)
    np.cumsum(s, axis=1, out=s)
    mean = s.mean(axis=0)
    mean_sq = np.einsum("ij,ij->j", s, s) / N
    with np.errstate(divide="ignore", invalid="ignore"):
        value = mean_sq / mean**2 - 1
    value[mean == 0] = np.nan
    if np.any(mean == 0):
        warnings.warn(
            f"eb: all trajectories are immobile over the first {int(np.sum(mean == 0))} cut "
            "lengths; EB is undefined (NaN) there.",
            RuntimeWarning,
            stacklevel=2,
        )
    return np.arange(lag + 1, T + 1), value
