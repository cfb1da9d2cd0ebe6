"""Analytic results: ensemble-MSD laws of the five models, EB of CTRW, FBM Cramér-Rao bound.

Every law here is for the simulators in :mod:`anomdiff.models` with their units (unit time
step, the position scales fixed there), so plots can draw theory lines without fitting.

=====  ==============================================================  ===========
model  ensemble MSD <x^2(t)>                                           status
=====  ==============================================================  ===========
fbm    t**alpha                                                        exact
sbm    t**alpha                                                        exact
ctrw   t**alpha / Gamma(1 + alpha)                                     exact
attm   2 <D tau> (1 + t**alpha / Gamma(1 + alpha))                     t >> 1
lw     closed form of :func:`msd_lw`, ~ 2 t**alpha / (sigma alpha (alpha-1))  exact
=====  ==============================================================  ===========
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.integrate import quad
from scipy.special import gamma as gamma_fn

from ._validate import as_int
from .models import ATTM_GAMMA, LW_EXPONENTIAL_MEAN, check_alpha, model_name

#: Models whose time averages converge to ensemble averages (the course's classification).
ERGODIC_MODELS = ("fbm", "lw")


def is_ergodic(model) -> bool:
    """True for FBM and Lévy walk, False for ATTM, CTRW and SBM (the course's classes)."""
    return model_name(model) in ERGODIC_MODELS


def _times(t) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    if np.any(~np.isfinite(t)) or np.any(t < 0):
        raise ValueError("t: times must be finite and >= 0.")
    return t


def msd_fbm(t, alpha):
    """FBM: <x^2(t)> = t**alpha, exact (Mandelbrot & Van Ness, SIAM Rev. 10, 422 (1968),
    doi:10.1137/1010093)."""
    return _times(t) ** check_alpha("fbm", alpha)


def msd_sbm(t, alpha):
    """SBM: <x^2(t)> = t**alpha, exact (Jeon et al., PCCP 16, 15811 (2014),
    doi:10.1039/C4CP02019G)."""
    return _times(t) ** check_alpha("sbm", alpha)


def msd_ctrw(t, alpha):
    """CTRW with Mittag-Leffler waits and unit-variance jumps: t**alpha / Gamma(1 + alpha).

    Exact at every t: the mean number of jumps of the fractional Poisson process
    (Laskin, CNSNS 8, 201 (2003), doi:10.1016/S1007-5704(03)00037-6).
    """
    alpha = check_alpha("ctrw", alpha)
    return _times(t) ** alpha / gamma_fn(1 + alpha)


@functools.lru_cache(maxsize=256)
def attm_mean_d_tau(alpha: float) -> float:
    """<D tau> of an ATTM segment: the mean squared displacement it contributes, over 2.

    With tau Mittag-Leffler and D = (1 + tau)**(-1/gamma),
    <D tau> = int_0^inf p**(1/gamma - 1) e**-p <tau e**(-p tau)> dp / Gamma(1/gamma), and
    <tau e**(-p tau)> = alpha p**(alpha-1) / (1 + p**alpha)**2 from the Laplace transform
    1 / (1 + p**alpha) of the Mittag-Leffler law.
    """
    alpha = check_alpha("attm", alpha)
    k = 1.0 / ATTM_GAMMA

    def integrand(p):
        return p ** (k - 1) * np.exp(-p) * alpha * p ** (alpha - 1) / (1 + p**alpha) ** 2

    value, _ = quad(integrand, 0, np.inf, limit=200)
    return value / gamma_fn(k)


def msd_attm(t, alpha):
    """ATTM: <x^2(t)> ~ 2 <D tau> (1 + t**alpha / Gamma(1 + alpha)) for t >> 1.

    Renewal theory with Mittag-Leffler lifetimes: the segments started by time t are
    1 + t**alpha / Gamma(1+alpha) on average, each adding 2 <D tau>; corrections decay as
    t**(alpha - 1). The constant 1 (the first segment) is why small-alpha ATTM reaches its
    power law slowly. Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    """
    alpha = check_alpha("attm", alpha)
    return 2 * attm_mean_d_tau(alpha) * (1 + _times(t) ** alpha / gamma_fn(1 + alpha))


def msd_lw(t, alpha):
    """Lévy walk in equilibrium (unit speed, Pareto flights tau >= 1, sigma = 3 - alpha).

    Exact: <x^2(t)> = 2 int_0^t (t - s) C(s) ds with the velocity autocorrelation
    C(s) = int_s^inf Psi(u) du / <tau>. For t >= 1 this gives
    ``2 t**alpha / (sigma alpha (alpha - 1))`` plus terms linear in t and constant.
    alpha = 1: 2 tc (t - tc (1 - e**(-t/tc))), exponential flights of mean tc = 2 (the
    persistent random walk); alpha = 2: t**2 (ballistic).
    Zaburdaev, Denisov & Klafter, RMP 87, 483 (2015), doi:10.1103/RevModPhys.87.483.
    """
    alpha = check_alpha("lw", alpha)
    t = _times(t)
    if alpha == 2.0:
        return t**2
    if alpha == 1.0:
        tc = LW_EXPONENTIAL_MEAN
        return 2 * tc * (t - tc * (1 - np.exp(-t / tc)))
    s = 3.0 - alpha
    c = s / (s - 1)
    long = t * (c - 0.5) - c / 2 + 1 / 3 + (
        t**alpha / ((alpha - 1) * alpha) - t / (alpha - 1) + 1 / alpha
    ) / (s - 1)
    short = c * t**2 / 2 - t**3 / 6  # t < 1: int_0^t (t - s)(c - s) ds
    return (2 / c) * np.where(t >= 1, long, short)


_MSD = {"attm": msd_attm, "ctrw": msd_ctrw, "fbm": msd_fbm, "lw": msd_lw, "sbm": msd_sbm}


def msd(model, t, alpha):
    """Ensemble MSD of ``model`` at times ``t`` (see the table in this module's docstring).

    Examples
    --------
    >>> float(msd("fbm", 100, 0.5))
    10.0
    """
    return _MSD[model_name(model)](t, alpha)


def eb_ctrw(alpha):
    """Long-time limit of the ergodicity-breaking parameter of a subdiffusive CTRW.

    EB = 2 Gamma(1 + alpha)**2 / Gamma(1 + 2 alpha) - 1, for lag << t.
    He, Burov, Metzler & Barkai, PRL 101, 058101 (2008), doi:10.1103/PhysRevLett.101.058101.

    Examples
    --------
    >>> round(float(eb_ctrw(0.5)), 4)
    0.5708
    """
    a = np.asarray(alpha, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a <= 0) or np.any(a > 1):
        raise ValueError("alpha: eb_ctrw needs 0 < alpha <= 1 (subdiffusive CTRW).")
    return 2 * gamma_fn(1 + a) ** 2 / gamma_fn(1 + 2 * a) - 1


def fgn_autocovariance(k, alpha):
    """Autocovariance of unit fractional Gaussian noise, 0.5 (|k+1|^a - 2|k|^a + |k-1|^a)."""
    k = np.abs(np.asarray(k, dtype=np.float64))
    return 0.5 * (np.abs(k + 1) ** alpha - 2 * k**alpha + np.abs(k - 1) ** alpha)


def _xlogx_pow(k, alpha):
    """d/dalpha of |k|**alpha, with 0 at k = 0."""
    k = np.abs(k)
    out = np.zeros_like(k)
    pos = k > 0
    out[pos] = k[pos] ** alpha * np.log(k[pos])
    return out


@functools.lru_cache(maxsize=4096)
def _fbm_crlb_scalar(alpha: float, T: int) -> float:
    from scipy.linalg import toeplitz, cho_factor, cho_solve

    n = T - 1
    k = np.arange(n, dtype=np.float64)
    cov = toeplitz(fgn_autocovariance(k, alpha))
    dcov = toeplitz(0.5 * (_xlogx_pow(k + 1, alpha) - 2 * _xlogx_pow(k, alpha) + _xlogx_pow(k - 1, alpha)))
    a = cho_solve(cho_factor(cov), dcov)
    # Fisher information of (alpha, log D) for x ~ N(0, D cov(alpha)); eliminate log D.
    info = 0.5 * np.sum(a * a.T) - np.trace(a) ** 2 / (2 * n)
    return float(1.0 / np.sqrt(info))


def fbm_crlb(alpha, T):
    """Cramér-Rao bound on the std of an unbiased estimate of alpha from one FBM trajectory.

    The trajectory has ``T`` points (T - 1 fractional-Gaussian-noise increments) and an
    unknown diffusivity D; the bound is sqrt([I^-1]_{alpha alpha}) with the Fisher
    information I_ij = tr(S^-1 dS_i S^-1 dS_j) / 2 of the Gaussian increments' covariance S.
    Results are cached, so a curve over alpha is quick. Reference: Kay, Fundamentals of
    Statistical Signal Processing I (1993), Sec. 3.9; for FBM e.g. Muñoz-Gil et al.,
    Nat. Commun. 12, 6253 (2021), doi:10.1038/s41467-021-26320-w.

    Parameters
    ----------
    alpha : float or array_like
        Exponents in (0, 2).
    T : int
        Trajectory length (>= 3).

    Returns
    -------
    float or ndarray
        Lower bound on the standard deviation, same shape as ``alpha``.

    Examples
    --------
    >>> round(float(fbm_crlb(1.0, 200)), 3)
    0.089
    """
    T = as_int(T, "T", 3)
    a = np.asarray(alpha, dtype=np.float64)
    if np.any(~np.isfinite(a)) or np.any(a <= 0) or np.any(a >= 2):
        raise ValueError("alpha: fbm_crlb needs 0 < alpha < 2 (FBM).")
    out = np.array([_fbm_crlb_scalar(float(v), T) for v in a.ravel()]).reshape(a.shape)
    return float(out) if out.ndim == 0 else out
