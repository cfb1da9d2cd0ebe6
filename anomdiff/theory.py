"""Analytic results: MSD laws, the ergodicity-breaking parameter EB, the FBM Cramér-Rao bound.

Every law here is for the simulators in :mod:`anomdiff.models` with their units (unit time
step, the position scales fixed there), so plots can draw theory lines without fitting.

=====  ================================================================  ===========
model  ensemble MSD <|x(t)|^2> in d dimensions                            status
=====  ================================================================  ===========
fbm    d t**alpha                                                        exact
sbm    d t**alpha                                                        exact
ctrw   d t**alpha / Gamma(1 + alpha)                                     exact
attm   2 d <D tau> (1 + t**alpha / Gamma(1 + alpha))                     t >> 1
lw     closed form of :func:`msd` (equilibrium start), ~ 2 t**alpha      exact
       / (sigma alpha (alpha - 1)); the same in every d (unit speed)
=====  ================================================================  ===========

The ergodicity-breaking parameter EB(t) = Var(m) / <m>**2 of the time-averaged MSD m of
trajectories of t points is given by :func:`eb` (finite t) and :func:`eb_limit` (t -> oo):

=====  ===================================  ==========================================
model  EB limit t -> oo                     finite t (:func:`eb`)
=====  ===================================  ==========================================
fbm    0                                    exact (Gaussian)
sbm    0                                    exact (Gaussian)
ctrw   2 Gamma(1+a)**2/Gamma(1+2a) - 1      leading order in 1/t**alpha (derived here)
attm   the CTRW value (derived here)        not available (ValueError)
lw     0                                    not available (ValueError)
=====  ===================================  ==========================================

:func:`eb_length` answers "how long must I measure?" from these. A Lévy walk started out
of equilibrium (``equilibrium=False``) has its own MSD law (:func:`msd`) and a TA-MSD that
differs from it by a constant factor (:func:`lw_ergodicity_ratio`).
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np

from ._validate import as_int
from .models import ATTM_GAMMA, ERGODIC_MODELS, LW_EXPONENTIAL_MEAN, check_alpha, model_name
from .models import _check_options  # one validation of the simulator options

__all__ = [
    "ERGODIC_MODELS", "is_ergodic", "msd", "eb", "eb_limit", "eb_ctrw", "lw_ergodicity_ratio",
    "attm_mean_d_tau", "fgn_autocovariance", "fbm_crlb", "eb_length", "aged_teamsd",
]

#: Models with a finite-t EB theory in :func:`eb`.
EB_FINITE_T_MODELS = ("ctrw", "fbm", "sbm")

# Largest work (array elements) for the exact Gaussian EB sums: about a second.
_MAX_EB_WORK = 10**9
# Elements per chunk of the cumulative sums (bounds memory at a few tens of MB).
_CHUNK = 1 << 20


class NoFiniteTimeTheory(ValueError, NotImplementedError):
    """Raised by :func:`eb` for a model whose finite-t EB has no theory here.

    A ``ValueError`` (the request cannot be answered) that is also a
    ``NotImplementedError``, so callers written for either keep working.
    """


# ---------------------------------------------------------------- small helpers


def is_ergodic(model, alpha=None) -> bool:
    """Whether ``model`` belongs to the course's ergodic class (at exponent ``alpha``).

    Parameters
    ----------
    model : str or int
        Model name (one of ``anomdiff.MODELS``) or its label 0..4.
    alpha : float, optional
        Anomalous exponent. At ``alpha = 1`` every model is ergodic (SBM is Brownian
        motion; CTRW, ATTM and Lévy walk have exponential renewal times); without it the
        answer is the model's class at ``alpha != 1``.

    Returns
    -------
    bool
        True for FBM and the Lévy walk (``ERGODIC_MODELS``) and for any model at
        ``alpha = 1``; False for ATTM, CTRW and SBM otherwise.

    See Also
    --------
    eb_limit : the limit of EB, 0 for every ergodic model (and for SBM).

    Notes
    -----
    "Ergodic" means here that the time-averaged MSD of one long trajectory tends to the
    ensemble MSD. EB -> 0 is necessary, not sufficient: SBM has EB -> 0 but its TA-MSD
    differs from its EA-MSD for alpha != 1 [1]_.

    References
    ----------
    .. [1] Jeon, Chechkin & Metzler, "Scaled Brownian motion: a paradoxical process with a
       time dependent diffusivity for the description of anomalous diffusion",
       PCCP 16, 15811 (2014), doi:10.1039/C4CP02019G.

    Examples
    --------
    >>> is_ergodic("fbm"), is_ergodic("ctrw"), is_ergodic("ctrw", 1.0)
    (True, False, True)
    """
    name = model_name(model)
    if alpha is not None and check_alpha(name, alpha) == 1.0:
        return True
    return name in ERGODIC_MODELS


def _times(t, name: str = "t") -> np.ndarray:
    """Times as a float array: finite and >= 0."""
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a number or an array of times >= 0, got {t!r}.") from None
    if np.any(~np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name}: times must be finite and >= 0.")
    return arr


def _lengths(t, lag: int) -> np.ndarray:
    """Trajectory lengths (numbers of points) as an int64 array, each >= lag + 1."""
    try:
        arr = np.asarray(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"t: expected an int or an array of ints (numbers of points), got {t!r}.") from None
    if arr.size and (np.any(~np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise TypeError("t: trajectory lengths must be whole numbers of points.")
    if arr.size and arr.min() < lag + 1:
        raise ValueError(f"t: every length must be >= lag + 1 = {lag + 1} points, got {arr.min():g}.")
    if arr.size and arr.max() > 2.0**62:
        raise ValueError(f"t: lengths must be below 2**62, got {arr.max():g}.")
    return arr.astype(np.int64)


def _alpha_array(alpha, low: float, high: float, what: str) -> np.ndarray:
    """Exponents as a float array in (low, high], with a clear error."""
    if isinstance(alpha, (bool, np.bool_)):
        raise TypeError(f"alpha: expected a real number, got {alpha!r}.")
    try:
        a = np.asarray(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"alpha: expected a real number or an array of them, got {alpha!r}.") from None
    if np.any(~np.isfinite(a)) or np.any(a <= low) or np.any(a > high):
        raise ValueError(f"alpha: {what} needs {low:g} < alpha <= {high:g}, got {alpha!r}.")
    return a


# ---------------------------------------------------------------- MSD laws


def _msd_fbm(t, alpha, **_):
    return t**alpha


def _msd_ctrw(t, alpha, **_):
    return t**alpha / math.gamma(1 + alpha)


def _msd_attm(t, alpha, **_):
    return 2 * attm_mean_d_tau(alpha) * (1 + t**alpha / math.gamma(1 + alpha))


def _pow_minus_one_over(t, e):
    """(t**e - 1) / e, continuous at e = 0 (log t); no cancellation for small e."""
    with np.errstate(divide="ignore", invalid="ignore"):
        logt = np.log(t)
        out = np.expm1(e * logt) / e if e != 0 else logt
    return out


def _msd_lw_equilibrium(t, alpha):
    """Equilibrium Lévy walk MSD (closed form), stable near alpha = 1 and at tiny t."""
    if alpha == 2.0:
        return t**2
    tc = LW_EXPONENTIAL_MEAN
    if alpha == 1.0:
        # 2 tc**2 (x + expm1(-x)), x = t / tc: a series where the two terms cancel
        x = t / tc
        g = np.where(x < 1e-3, x * x * (0.5 - x / 6 + x * x / 24), x + np.expm1(-x))
        return 2 * tc * tc * g
    s = 3.0 - alpha
    mean = s / (s - 1)  # mean flight time
    e = alpha - 1.0
    tt = np.maximum(t, 1.0)
    # t >= 1: (2/mean) [t (mean - 1/2) - mean/2 + 1/3 + (t**a/(a(a-1)) - t/(a-1) + 1/a)/(s-1)];
    # the last bracket is ((t**a - 1)/a - (t - 1)) / (a - 1), which cancels as a -> 1.
    # Write t**a = t * t**e: (t (t**e - 1)/e - (t**a - 1)/(a e) ... ) grouped exactly:
    # (t**a - 1)/a - (t - 1) = t (t**e - 1)/a - (t - 1)(1 - 1/a) ... divided by e:
    bracket = (tt * _pow_minus_one_over(tt, e) - (tt - 1.0)) / alpha  # = [(t^a-1)/a-(t-1)]/e
    long = tt * (mean - 0.5) - mean / 2 + 1 / 3 + bracket / (s - 1)
    short = mean * t**2 / 2 - t**3 / 6  # t < 1: int_0^t (t - u)(mean - u) du
    return (2 / mean) * np.where(t >= 1, long, short)


#: Largest alpha < 2 with a non-equilibrium Lévy-walk MSD (its series converges ever more
#: slowly as sigma = 3 - alpha -> 1; measured within 3 % of simulations at 1.95).
LW_ORDINARY_MAX_ALPHA = 1.95


def _series_mul(a: dict, b: dict, pmax: float) -> dict:
    """Product of two generalized power series {power: coefficient}, powers < pmax kept."""
    out: dict = {}
    for pa, ca in a.items():
        for pb, cb in b.items():
            if pa + pb < pmax:
                out[pa + pb] = out.get(pa + pb, 0.0) + ca * cb
    return out


def _msd_lw_ordinary(t, alpha):
    """Lévy walk started with a fresh flight at t = 0: t**2 for t <= 1, else its large-t series."""
    if alpha in (1.0, 2.0):  # exponential flights are memoryless; alpha = 2: one flight
        return _msd_lw_equilibrium(t, alpha)
    if alpha > LW_ORDINARY_MAX_ALPHA:
        raise ValueError(
            f"alpha: the Lévy walk's non-equilibrium MSD (equilibrium=False) has a theory for "
            f"1 <= alpha <= {LW_ORDINARY_MAX_ALPHA} and alpha = 2, got {alpha} (its large-t "
            "series needs ever more terms as alpha -> 2)."
        )
    from scipy.special import rgamma

    # Terms ~ 1/(alpha - 1) cancel as alpha -> 1; the law is smooth there, so within 1e-6
    # of 1 it is evaluated at 1 + 1e-6 (relative change ~1e-6).
    alpha = max(alpha, 1.0 + 1e-6)
    s = 3.0 - alpha
    mean = s / (s - 1)
    # Psi~(u) = mean + G u**(s-1) + c1 u + c2 u**2 + ...; f~ = -dPsi~/du; MSD~ = 2 f~ / (u**2 Psi~)
    g = math.gamma(1 - s)
    c1 = 1 / (2 - s) - 0.5
    c2 = 1 / 6 - 1 / (2 * (3 - s))
    pmax = 2.0  # keep terms down to t**-1 in the time domain (u**(p-2) -> t**(1-p))
    numer = {s - 2: math.gamma(2 - s), 0.0: -c1, 1.0: -2 * c2}
    delta = {s - 1: -g / mean, 1.0: -c1 / mean, 2.0: -c2 / mean}  # 1/Psi~ = sum delta**k / mean
    inverse, power = {0.0: 1.0 / mean}, {0.0: 1.0 / mean}
    while True:
        power = _series_mul(power, delta, pmax - (s - 2))
        if not power:
            break
        for p, c in power.items():
            inverse[p] = inverse.get(p, 0.0) + c
    series = _series_mul(numer, inverse, pmax)
    tt = np.maximum(t, 1.0)
    out = np.zeros_like(tt)
    for p, c in sorted(series.items(), reverse=True):  # small terms first
        out += c * tt ** (1 - p) * rgamma(2 - p)
    return np.where(t <= 1, t**2, 2 * out)  # t <= 1: still in the first flight


def _msd_lw(t, alpha, equilibrium=True, **_):
    return _msd_lw_equilibrium(t, alpha) if equilibrium else _msd_lw_ordinary(t, alpha)


_MSD = {"attm": _msd_attm, "ctrw": _msd_ctrw, "fbm": _msd_fbm, "lw": _msd_lw, "sbm": _msd_fbm}
def msd(model, t, alpha, dim=1, **options):
    """Ensemble mean squared displacement of a simulated model at times ``t``.

    Parameters
    ----------
    model : str or int
        One of ``anomdiff.MODELS`` or its label 0..4.
    t : float or array_like
        Times (in steps), finite and >= 0.
    alpha : float
        Anomalous exponent within the model's range (``anomdiff.alpha_range``).
    dim : int, optional
        Number of dimensions (1, 2 or 3); default 1. The MSD sums the squared
        displacements of all components.
    **options
        The simulator's options: ``tau0`` for ``"ctrw"`` (the MSD does not depend on it),
        ``equilibrium`` for ``"lw"`` (default True).

    Returns
    -------
    float or ndarray
        <|x(t) - x(0)|**2>, same shape as ``t``.

    See Also
    --------
    anomdiff.simulate : the simulators these laws describe.
    anomdiff.eamsd : the ensemble MSD measured from trajectories.

    Notes
    -----
    * FBM [1]_ and SBM [2]_: ``t**alpha`` per component, exact.
    * CTRW: ``t**alpha / Gamma(1 + alpha)`` per component, exact at every t: jumps of
      variance ``tau0**alpha`` times the mean number of renewals of the fractional Poisson
      process, ``(t / tau0)**alpha / Gamma(1 + alpha)`` [3]_.
    * ATTM: ``2 <D tau> (1 + t**alpha / Gamma(1 + alpha))`` per component for t >> 1
      (:func:`attm_mean_d_tau`): the segments started by time t are on average
      ``1 + t**alpha / Gamma(1 + alpha)``, each adding ``2 <D tau>``; corrections decay as
      ``t**(alpha - 1)`` [4]_. The constant 1 (the first segment) dominates at short
      times, which is why small-alpha ATTM reaches its power law slowly. The components
      share the diffusivity sequence.
    * Lévy walk in equilibrium (unit speed, Pareto flights tau >= 1, sigma = 3 - alpha):
      ``<x^2(t)> = 2 int_0^t (t - s) C(s) ds`` with the velocity autocorrelation
      ``C(s) = int_s^oo Psi(u) du / <tau>``; for t >= 1 this is
      ``2 t**alpha / (sigma alpha (alpha - 1))`` plus terms linear in t and constant, exact.
      The ``1/(alpha - 1)`` terms cancel as alpha -> 1; they are summed with ``expm1``
      so the limit is continuous. At alpha = 1 (exponential flights of mean tc = 2):
      ``2 tc (t - tc (1 - exp(-t / tc)))``; at alpha = 2: ``t**2`` [5]_. The walker's speed is
      1 whatever the dimension, so the law does not depend on ``dim``.
    * Lévy walk started with a fresh flight (``equilibrium=False``): ``t**2`` for t <= 1
      (no flight ends before 1). For t > 1, from the renewal equation (velocities agree
      only within one flight), ``MSD~(u) = 2 f~(u) / (u**2 Psi~(u))`` in Laplace space with
      ``f(w) = w Psi(w)``, ``f~ = -dPsi~/du`` and the flight survival's transform
      ``Psi~(u) = <tau> + Gamma(1-sigma) u**(sigma-1) + c1 u + c2 u**2 + ...``
      (``c1 = 1/(2-sigma) - 1/2``, ``c2 = 1/6 - 1/(2(3-sigma))``). Expanding ``1/Psi~`` in
      powers of u and inverting term by term (``u**(p-2) -> t**(1-p) / Gamma(2-p)``), all
      terms down to ``t**-1`` are summed: an asymptotic series whose leading term is
      ``2 Gamma(2-sigma) t**alpha / (<tau> Gamma(1+alpha))``, ``sigma - 1`` times the
      equilibrium law (the ultraweak ergodicity breaking of :func:`lw_ergodicity_ratio`
      [6]_). Measured against 20 000 simulated walks it is within 2.5 % for t >= 10 at
      alpha = 1.1 ... 1.95 (tests/test_theory.py). Above ``alpha = 1.95`` (and below 2)
      the series needs too many terms: ``ValueError``. Within 1e-6 of alpha = 1, where
      its terms cancel, it is evaluated at ``1 + 1e-6``.

    References
    ----------
    .. [1] Mandelbrot & Van Ness, SIAM Rev. 10, 422 (1968), doi:10.1137/1010093.
    .. [2] Jeon, Chechkin & Metzler, PCCP 16, 15811 (2014), doi:10.1039/C4CP02019G.
    .. [3] Laskin, Commun. Nonlinear Sci. Numer. Simul. 8, 201 (2003),
       doi:10.1016/S1007-5704(03)00037-6.
    .. [4] Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    .. [5] Zaburdaev, Denisov & Klafter, Rev. Mod. Phys. 87, 483 (2015),
       doi:10.1103/RevModPhys.87.483.
    .. [6] Godec & Metzler, PRL 110, 020603 (2013), doi:10.1103/PhysRevLett.110.020603.

    Examples
    --------
    >>> float(msd("fbm", 100, 0.5))
    10.0
    >>> float(msd("sbm", 100, 0.5, dim=2))
    20.0
    """
    name = model_name(model)
    alpha = check_alpha(name, alpha)
    dim = as_int(dim, "dim", 1)
    if dim > 3:
        raise ValueError(f"dim: expected 1, 2 or 3 dimensions, got {dim}.")
    opts = _check_options(name, options)
    t = _times(t)
    value = _MSD[name](t, alpha, **opts)
    if name != "lw":  # independent components (ATTM: a shared diffusivity, same mean)
        value = dim * value
    return float(value) if np.ndim(value) == 0 else value


@functools.lru_cache(maxsize=256)
def _attm_mean_d_tau(alpha: float) -> float:
    from scipy.integrate import quad  # imported when needed: a slow import

    k = 1.0 / ATTM_GAMMA

    def integrand(p):
        return p ** (k - 1) * np.exp(-p) * alpha * p ** (alpha - 1) / (1 + p**alpha) ** 2

    value, _ = quad(integrand, 0, np.inf, limit=200)
    return value / math.gamma(k)


def aged_teamsd(model, alpha, lags, T, t_a=0, **options):
    """Mean TA-MSD of trajectories observed from time ``t_a`` on, for ``T`` points.

    Parameters
    ----------
    model : str or int
        One of ``anomdiff.MODELS`` or its label 0..4.
    alpha : float
        Anomalous exponent within the model's range.
    lags : int or array_like of int
        Lags Delta, 1 <= Delta <= T - 1.
    T : int
        Number of observed points (>= 2), at times ``t_a .. t_a + T - 1``.
    t_a : int, optional
        Ageing time: steps between the start of the process and the start of the
        measurement (default 0, a measurement from the start).
    **options
        The simulator's options (``tau0`` for ``"ctrw"``); ``"lw"`` only with
        ``equilibrium=True``.

    Returns
    -------
    float or ndarray
        The ensemble average of the TA-MSD at each lag (TEA-MSD), shape of ``lags``.

    See Also
    --------
    msd : the ensemble MSD these sums are built from.
    anomdiff.teamsd : the same quantity measured from trajectories.

    Notes
    -----
    FBM and the Lévy walk started in equilibrium have stationary increments, so the
    TEA-MSD is ``msd(Delta)`` whatever ``t_a`` and ``T``. ATTM, CTRW and SBM have
    uncorrelated zero-mean increments, so ``<(x_b - x_a)**2> = M(b) - M(a)`` with ``M``
    the ensemble MSD, and the TEA-MSD is the average of ``M(t + Delta) - M(t)`` over the
    ``T - Delta`` windows ``t = t_a .. t_a + T - Delta - 1``: exact for the CTRW and SBM,
    asymptotic for the ATTM like its MSD law. For the CTRW at ``T >> Delta`` this gives the
    ageing factor ``Lambda = (1 + t_a / T)**alpha - (t_a / T)**alpha`` of [1]_ times the
    non-aged TEA-MSD.

    References
    ----------
    .. [1] Schulz, Barkai & Metzler, PRL 110, 020602 (2013),
       doi:10.1103/PhysRevLett.110.020602.

    Examples
    --------
    >>> young = aged_teamsd("ctrw", 0.5, 1, T=1000)
    >>> old = aged_teamsd("ctrw", 0.5, 1, T=1000, t_a=1000)
    >>> round(float(old / young), 3)
    0.414
    >>> float(aged_teamsd("fbm", 0.5, 4, T=100, t_a=50))
    2.0
    """
    name = model_name(model)
    alpha = check_alpha(name, alpha)
    T = as_int(T, "T", 2)
    t_a = as_int(t_a, "t_a", 0)
    opts = _check_options(name, options)
    scalar = np.ndim(lags) == 0
    lag_arr = np.atleast_1d(np.asarray(lags))
    if lag_arr.dtype.kind not in "iu" or lag_arr.ndim != 1:
        raise TypeError(f"lags: expected integer lags, got {lags!r}.")
    if lag_arr.size == 0 or lag_arr.min() < 1 or lag_arr.max() > T - 1:
        raise ValueError(f"lags: every lag must satisfy 1 <= lag <= T - 1 = {T - 1}.")
    if name == "lw" and not opts["equilibrium"]:
        raise ValueError("options: aged_teamsd of the Lévy walk needs equilibrium=True "
                         "(the non-equilibrium walk has correlated, non-stationary increments).")
    if name in ("fbm", "lw"):
        out = np.asarray(msd(name, lag_arr.astype(np.float64), alpha, **opts), dtype=np.float64)
    else:
        # mean over windows of M(t + lag) - M(t) from one cumulative sum of M
        M = msd(name, np.arange(t_a, t_a + T, dtype=np.float64), alpha, **opts)
        csum = np.concatenate([[0.0], np.cumsum(M)])
        n = T - lag_arr
        out = ((csum[T] - csum[lag_arr]) - csum[n]) / n
    return float(out[0]) if scalar else out


def attm_mean_d_tau(alpha) -> float:
    """Mean of D tau over ATTM segments: half the mean squared displacement of one segment.

    Parameters
    ----------
    alpha : float
        ATTM exponent in (0, 1].

    Returns
    -------
    float
        ``<D tau>`` with tau Mittag-Leffler of index ``alpha`` and ``D = (1 + tau)**(-2)``.

    See Also
    --------
    msd : uses it for the ATTM law.

    Notes
    -----
    With ``D = (1 + tau)**(-1/gamma)`` and ``1/(1+tau)**k = int_0^oo p**(k-1) e**(-p(1+tau))
    dp / Gamma(k)``, ``<D tau> = int_0^oo p**(k-1) e**(-p) <tau e**(-p tau)> dp / Gamma(k)``
    (k = 1/gamma = 2), and ``<tau e**(-p tau)> = alpha p**(alpha-1) / (1 + p**alpha)**2``
    is minus the derivative of the Mittag-Leffler Laplace transform ``1 / (1 + p**alpha)``
    [1]_. The integral is evaluated by adaptive quadrature; values are cached.

    References
    ----------
    .. [1] Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.

    Examples
    --------
    >>> round(attm_mean_d_tau(1.0), 4)
    0.1927
    """
    return _attm_mean_d_tau(check_alpha("attm", alpha))


def lw_ergodicity_ratio(alpha) -> float:
    """Long-time ratio EA-MSD / TA-MSD of a Lévy walk started out of equilibrium.

    Parameters
    ----------
    alpha : float
        Lévy-walk exponent in [1, 2].

    Returns
    -------
    float
        ``sigma - 1 = 2 - alpha`` for 1 < alpha < 2, and 1 at alpha = 1 and alpha = 2.

    See Also
    --------
    msd : with ``equilibrium=False``, the non-equilibrium EA-MSD.

    Notes
    -----
    A walk whose first flight starts at t = 0 (``simulate("lw", ..., equilibrium=False)``)
    has a time-averaged MSD, at lag Δ << t, equal to the equilibrium MSD (most windows sit
    at large ages, where the flight in progress has the forward-recurrence law), while its
    ensemble MSD grows as ``(sigma - 1)`` times the equilibrium law (see :func:`msd`):
    ``MSD~(u) ~ 2 Gamma(2 - sigma) u**(sigma - 4) / <tau>`` against the equilibrium
    ``2 Gamma(2 - sigma) u**(sigma - 4) / (sigma - 1) / <tau>``, with
    ``<tau> = sigma / (sigma - 1)``. The two MSDs then differ by a constant factor:
    ultraweak ergodicity breaking [1]_, [2]_. Exponential flights (alpha = 1) are
    memoryless and a single flight (alpha = 2) has no start effect: the ratio is 1.

    At finite lengths both limits are approached slowly. A window at age a >> Δ misses
    the equilibrium's flights longer than a (weight ~ a**(1 - sigma)), so the TA-MSD
    falls short of the equilibrium MSD by a relative ~ (Δ/t)**(sigma - 1) (estimated
    by this argument; measured 7 % at alpha = 1.5, Δ = 100, t = 10**4), and the ratio of
    the MSDs, ``msd(..., equilibrium=False) / msd(...)``, reaches ``sigma - 1`` only as
    Δ -> oo (0.55 at Δ = 100, alpha = 1.5).

    References
    ----------
    .. [1] Godec & Metzler, PRL 110, 020603 (2013), doi:10.1103/PhysRevLett.110.020603.
    .. [2] Froemberg & Barkai, PRE 87, 030104 (2013), doi:10.1103/PhysRevE.87.030104.

    Examples
    --------
    >>> lw_ergodicity_ratio(1.5)
    0.5
    """
    alpha = check_alpha("lw", alpha)
    return 1.0 if alpha in (1.0, 2.0) else 2.0 - alpha


# ---------------------------------------------------------------- EB


def eb_ctrw(alpha):
    """Long-time limit of the ergodicity-breaking parameter of a subdiffusive CTRW.

    Parameters
    ----------
    alpha : float or array_like
        CTRW exponents in (0, 1].

    Returns
    -------
    float or ndarray
        ``2 Gamma(1 + alpha)**2 / Gamma(1 + 2 alpha) - 1``, same shape as ``alpha``.

    See Also
    --------
    eb_limit : the limit for every model.
    eb : EB at finite length.

    Notes
    -----
    For lag << t the TA-MSD of one trajectory is proportional to its number of jumps,
    whose relative variance tends to that of the Mittag-Leffler distribution [1]_.

    References
    ----------
    .. [1] He, Burov, Metzler & Barkai, PRL 101, 058101 (2008),
       doi:10.1103/PhysRevLett.101.058101.

    Examples
    --------
    >>> round(float(eb_ctrw(0.5)), 4)
    0.5708
    """
    a = _alpha_array(alpha, 0.0, 1.0, "eb_ctrw (subdiffusive CTRW)")
    gam = np.vectorize(math.gamma, otypes=[np.float64])  # scipy.special costs ~0.2 s to import
    value = 2 * gam(1 + a) ** 2 / gam(1 + 2 * a) - 1
    value = np.where(a == 1.0, 0.0, value)
    return float(value) if value.ndim == 0 else value


def eb_limit(model, alpha) -> float:
    """Limit t -> infinity of the ergodicity-breaking parameter EB of a model.

    Parameters
    ----------
    model, alpha
        The model (name or label) and an exponent within its range, as in :func:`msd`.

    Returns
    -------
    float
        ``eb_ctrw(alpha)`` for the CTRW and the ATTM, 0 for FBM, SBM and the Lévy walk;
        0 for every model at ``alpha = 1``.

    See Also
    --------
    eb : EB at finite length t.
    eb_ctrw : the CTRW limit.

    Notes
    -----
    * CTRW: ``2 Gamma(1+alpha)**2 / Gamma(1+2 alpha) - 1`` [1]_.
    * ATTM (derived here): given the segments, the walk is Brownian with the operational
      time ``Theta(t) = 2 int_0^t D(s) ds``, so the TA-MSD at lag Δ << t is about
      ``Δ Theta(t) / t``. With ``D = (1 + tau)**(-2)`` the product ``D tau <= 1/4`` is
      bounded, so ``Theta(t) = 2 sum_j D_j tau_j`` over the ``n(t)`` segments is
      ``2 <D tau> n(t) (1 + O(n**(-1/2)))`` by the law of large numbers, and
      ``Var Theta / <Theta>**2 -> Var n / <n>**2``: the Mittag-Leffler renewal count of
      the CTRW. Hence the CTRW value [2]_. Checked by simulation (tests/test_theory.py):
      EB of the ATTM falls towards this value, slowly (excess ~ t**(-alpha)).
    * FBM: 0, with EB ~ Δ/t for alpha < 3/2 [3]_ (exact finite-t values in :func:`eb`).
    * SBM: 0 [4]_, although its TA-MSD does not tend to its EA-MSD (not ergodic).
    * Lévy walk: 0 [5]_.
    * At alpha = 1 every model has finite mean renewal times (or is Brownian): 0.

    References
    ----------
    .. [1] He, Burov, Metzler & Barkai, PRL 101, 058101 (2008),
       doi:10.1103/PhysRevLett.101.058101.
    .. [2] Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    .. [3] Deng & Barkai, PRE 79, 011112 (2009), doi:10.1103/PhysRevE.79.011112.
    .. [4] Jeon, Chechkin & Metzler, PCCP 16, 15811 (2014), doi:10.1039/C4CP02019G.
    .. [5] Froemberg & Barkai, PRE 87, 030104 (2013), doi:10.1103/PhysRevE.87.030104.

    Examples
    --------
    >>> round(eb_limit("ctrw", 0.5), 4), eb_limit("fbm", 0.5)
    (0.5708, 0.0)
    """
    name = model_name(model)
    alpha = check_alpha(name, alpha)
    if name in ("ctrw", "attm") and alpha < 1.0:
        return float(eb_ctrw(alpha))
    return 0.0


def fgn_autocovariance(k, alpha, lag=1):
    """Autocovariance of the lag-Δ increments of unit FBM (fractional Gaussian noise at Δ = 1).

    Parameters
    ----------
    k : int or array_like
        Separations between increments (any sign).
    alpha : float
        FBM exponent in (0, 2).
    lag : int, optional
        Δ >= 1: the increments are ``x(i + Δ) - x(i)``; default 1.

    Returns
    -------
    float or ndarray
        ``(|k + Δ|**alpha - 2 |k|**alpha + |k - Δ|**alpha) / 2``, same shape as ``k``.

    See Also
    --------
    anomdiff.simulate : the FBM simulator draws increments with this covariance.
    eb : uses it for the exact EB of FBM.

    Notes
    -----
    From ``<x(s) x(t)> = (s**alpha + t**alpha - |t - s|**alpha) / 2`` [1]_. For ``|k| > 10 Δ``
    the direct formula loses digits (three terms ~ k**alpha cancel to ~ k**(alpha-2)); there
    the binomial series ``k**alpha sum_{j>=1} C(alpha, 2j) (Δ/k)**(2j)`` is used, accurate to
    rounding.

    References
    ----------
    .. [1] Mandelbrot & Van Ness, SIAM Rev. 10, 422 (1968), doi:10.1137/1010093.

    Examples
    --------
    >>> fgn_autocovariance([0, 1, 2], 1.0).tolist()
    [1.0, 0.0, 0.0]
    """
    alpha = check_alpha("fbm", alpha)
    lag = as_int(lag, "lag", 1)
    try:
        karr = np.abs(np.asarray(k, dtype=np.float64))
    except (TypeError, ValueError):
        raise TypeError(f"k: expected numbers (separations), got {k!r}.") from None
    if np.any(~np.isfinite(karr)):
        raise ValueError("k: separations must be finite.")
    out = _fgn_acov(karr, alpha, float(lag))
    return float(out) if out.ndim == 0 else out


def _fgn_acov(k: np.ndarray, alpha: float, d: float) -> np.ndarray:
    k = np.asarray(k, dtype=np.float64)
    out = np.empty_like(k)
    far = k > 10 * d
    kn = k[~far]
    out[~far] = 0.5 * (np.abs(kn + d) ** alpha - 2 * kn**alpha + np.abs(kn - d) ** alpha)
    if far.any():
        kf = k[far]
        u2 = (d / kf) ** 2  # <= 0.01: 9 terms reach rounding
        coefs, c = [], 1.0
        for j in range(1, 10):
            c *= (alpha - 2 * j + 2) * (alpha - 2 * j + 1) / ((2 * j - 1) * (2 * j))
            coefs.append(c)
        series = np.zeros_like(kf)
        for c in reversed(coefs):
            series = (series + c) * u2
        out[far] = kf**alpha * series
    return out


def _cumulative_at(values_fn, stop: int, at: np.ndarray, weight_k: bool = False):
    """Sums ``sum_{k=1}^{m-1} f(k)`` (and of ``k f(k)``) at every m in ``at``, in chunks.

    ``values_fn(k)`` gives f on an int array k. Memory O(chunk + len(at)), time O(stop).
    """
    s0 = np.zeros(at.shape)
    s1 = np.zeros(at.shape)
    run0 = run1 = 0.0
    for start in range(1, max(stop, 1), _CHUNK):
        k = np.arange(start, min(stop, start + _CHUNK), dtype=np.float64)
        f = values_fn(k)
        c0 = np.cumsum(f)
        c0 += run0
        c1 = np.cumsum(k * f) if weight_k else None
        if weight_k:
            c1 += run1
        sel = (at - 1 >= start) & (at - 1 < start + k.size)
        idx = at[sel] - 1 - start
        s0[sel] = c0[idx]
        if weight_k:
            s1[sel] = c1[idx]
        run0 = c0[-1]
        if weight_k:
            run1 = c1[-1]
    # m - 1 beyond the last chunk cannot happen (stop = max(at)); m = 1 keeps 0.
    return s0, s1


def _eb_brownian(lag: int, n: np.ndarray) -> np.ndarray:
    """Exact EB of sampled Brownian motion with n windows (n >= lag: closed form)."""
    n = n.astype(np.float64)
    d = float(lag)
    out = 2 * (2 * d * d + 1) / (3 * d * n) - (d * d - 1) / (3 * n * n)
    small = n < d
    if small.any():  # sum_{k<n} (n-k)(d-k)^2 directly (these n are below lag)
        ns = n[small]
        k = np.arange(1, int(ns.max()), dtype=np.float64)
        terms = np.where(k[None, :] < ns[:, None], (ns[:, None] - k) * (d - k) ** 2, 0.0)
        tr2 = ns * d * d + 2 * terms.sum(axis=1)
        out[small] = 2 * tr2 / (ns * d) ** 2
    return out


def _eb_fbm(alpha: float, lag: int, n: np.ndarray) -> np.ndarray:
    """Exact EB of FBM: 2 tr(C^2) / tr(C)^2 with Toeplitz C of lag-Δ increments."""
    if alpha == 1.0:
        return _eb_brownian(lag, n)
    nmax = int(n.max())
    if nmax > _MAX_EB_WORK:
        raise ValueError(f"t: exact FBM EB is computed up to t ~ {_MAX_EB_WORK:.0e} points, got {nmax + lag}.")
    c0 = float(lag) ** alpha
    a, b = _cumulative_at(lambda k: _fgn_acov(k, alpha, float(lag)) ** 2, nmax, n, weight_k=True)
    nf = n.astype(np.float64)
    # tr C^2 = n c0^2 + 2 sum_{k=1}^{n-1} (n - k) c_k^2
    tr2 = nf * c0**2 + 2 * (nf * a - b)
    return 2 * tr2 / (nf * c0) ** 2


def _eb_sbm(alpha: float, lag: int, n: np.ndarray) -> np.ndarray:
    """Exact EB of SBM: banded C_{i,i+d} = sum_{k=i+d}^{i+Δ-1} sigma_k**2, d < Δ."""
    if alpha == 1.0:
        return _eb_brownian(lag, n)
    nmax = int(n.max())
    if nmax * lag > _MAX_EB_WORK:
        raise ValueError(
            f"t: exact SBM EB costs t * lag operations, at most {_MAX_EB_WORK:.0e}; "
            f"got t = {nmax + lag}, lag = {lag}."
        )
    trc = np.zeros(n.shape)
    tr2 = np.zeros(n.shape)
    run2 = np.zeros(lag)
    run1 = 0.0
    for start in range(0, nmax, _CHUNK):
        stop = min(nmax, start + _CHUNK)
        k = np.arange(start, stop + lag, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            # step variances (k+1)^a - k^a, without cancellation at large k
            s2 = np.where(k == 0, 1.0, k**alpha * np.expm1(alpha * np.log1p(1.0 / k)))
        c = np.zeros(stop - start)
        for d in range(lag - 1, -1, -1):
            c += s2[d : d + c.size]  # now c[i - start] = C_{i, i+d}
            g = np.cumsum(c * c)
            g += run2[d]
            run2[d] = g[-1]
            m = n - d  # sum over i < n - d
            sel = (m - 1 >= start) & (m - 1 < stop)
            tr2[sel] += (1.0 if d == 0 else 2.0) * g[m[sel] - 1 - start]
        g1 = np.cumsum(c)  # d = 0: the diagonal, tr C
        g1 += run1
        run1 = g1[-1]
        sel = (n - 1 >= start) & (n - 1 < stop)
        trc[sel] = g1[n[sel] - 1 - start]
    return 2 * tr2 / trc**2


def _eb_ctrw_finite(alpha: float, lag: int, t: np.ndarray, tau0: float) -> np.ndarray:
    """Leading-order EB of the CTRW at t points (see :func:`eb`, Notes)."""
    tf = t.astype(np.float64)
    limit = float(eb_ctrw(alpha))
    g1 = math.gamma(1 + alpha)
    m = tf**alpha / g1
    j = np.arange(1, lag, dtype=np.float64)
    b_lag = lag ** (1 + alpha) + 2 * np.sum(j ** (1 + alpha))
    x = 4 * b_lag / (math.gamma(2 + alpha) * lag**2 * m)
    y = 2 * limit * np.sum(j**alpha / g1) / (lag * m)
    z = 3 * g1 * (tau0 / tf) ** alpha
    return limit + x + y + z


def eb(model, alpha, lag, t, **options):
    """Ergodicity-breaking parameter EB of trajectories of ``t`` points, at lag Δ.

    EB = Var(m) / <m>**2 where m is one trajectory's TA-MSD at lag Δ over its ``t``
    points (``n = t - Δ`` displacement windows) and the average is over the ensemble,
    the same quantity as ``anomdiff.eb(trajs, lag)`` at cut length ``t``.

    Parameters
    ----------
    model : str or int
        ``"fbm"``, ``"sbm"`` or ``"ctrw"`` (or their labels); the ATTM and the Lévy walk
        have no finite-t theory here (a ``ValueError``; use :func:`eb_limit`).
    alpha : float
        Anomalous exponent within the model's range.
    lag : int
        Lag Δ >= 1 in steps.
    t : int or array_like of int
        Trajectory lengths in points, each >= ``lag + 1``.
    **options
        The simulator's options: ``tau0`` for ``"ctrw"`` (waiting-time scale, default 1.0).

    Returns
    -------
    float or ndarray
        EB at each length, same shape as ``t``.

    Raises
    ------
    ValueError
        For ``"attm"`` and ``"lw"``: a :class:`NoFiniteTimeTheory`, which is also a
        ``NotImplementedError``.

    See Also
    --------
    eb_limit : the limit t -> infinity.
    eb_length : the length at which EB reaches its limit.
    anomdiff.eb : EB measured from trajectories.

    Notes
    -----
    **Gaussian models, exact.** With ``y_i = x_{i+Δ} - x_i`` (i = 0..n-1) and
    ``C_ij = Cov(y_i, y_j)``, the TA-MSD is ``S / n`` with ``S = sum_i y_i**2``, and for a
    Gaussian vector ``<S> = tr C`` and ``Var S = 2 tr C**2``:

    ``EB = 2 sum_ij C_ij**2 / (sum_i C_ii)**2``.

    * FBM: stationary increments, ``C_ij = c(|i - j|)`` (:func:`fgn_autocovariance` with
      ``lag``), so ``sum_ij C_ij**2 = n c0**2 + 2 sum_{k=1}^{n-1} (n - k) c_k**2``; the sums
      ``sum c_k**2`` and ``sum k c_k**2`` are cumulative over k, so all t cost O(max t) [1]_.
      EB ~ Δ/t for alpha < 3/2, ~ (Δ/t)**(4 - 2 alpha) above.
    * SBM: independent increments of variance ``(k+1)**alpha - k**alpha``, so C is banded,
      ``C_{i,i+d} = (i + Δ)**alpha - (i + d)**alpha`` for 0 <= d < Δ, and
      ``sum_ij C_ij**2 = sum_{d<Δ} w_d sum_{i<n-d} C_{i,i+d}**2`` (w_0 = 1, else 2),
      cumulative in i for each d: O(Δ max t) [2]_. ``tr C = sum_{b<Δ} ((n + b)**alpha -
      b**alpha)`` by telescoping.
    * Brownian motion (alpha = 1, FBM or SBM), closed form for n >= Δ:
      ``EB = 2 (2 Δ**2 + 1) / (3 Δ n) - (Δ**2 - 1) / (3 n**2)``, n = t - Δ
      (``c_k = Δ - k`` for k < Δ, 0 beyond). The often quoted ``2(2Δ²+1)/(3Δt)`` is its
      leading term with t in place of n.

    **CTRW, leading order** (derived here, not from a paper). Let ``E(s) = tau0**alpha
    N(s)``, with N(s) the number of jumps by time s (``<E(s)> = m(s) = s**alpha /
    Gamma(1+alpha)``, the MSD). Given the jumps the walk is Gaussian with
    ``Cov(y_i, y_j | jumps) = E``-increment over the overlap of windows i and j, so

    ``EB = [Var W + 2 sum_ij <(overlap increment)**2>] / <W>**2``,
    ``W = sum_i (E(i + Δ) - E(i)) = sum_{b<Δ} (E(n + b) - E(b))`` (telescoping).

    Expanding to first order in ``1/m(t)`` and ``Δ/t``, with ``EB_oo`` the limit [3]_:

    ``EB(t) = EB_oo + X + Y + Z``,

    * ``Var W / <W>**2 = EB_oo + Y`` with ``Y = 2 EB_oo sum_{b<Δ} m(b) / (Δ m(t))``: W is
      ``Δ E(t)`` minus ``sum_b E(b)``, whose mean ``sum_b m(b)`` lowers ``<W>`` (the early
      jumps of each window sum are counted less than Δ times).
    * ``X = 4 B_Δ / (Gamma(2+alpha) Δ**2 m(t))``, ``B_Δ = Δ**(1+alpha) + 2 sum_{j<Δ}
      j**(1+alpha)``: the conditional variance. At age s >> L the second factorial
      moment of the increment over a window of length L is
      ``2 s**(alpha-1) L**(1+alpha) / (Gamma(alpha) Gamma(2+alpha))``; summing over the
      windows (``sum_s s**(alpha-1)/Gamma(alpha) ~ m(t)``) and over the overlaps
      ``L = Δ - |i - j|`` gives ``2 m(t) B_Δ / Gamma(2+alpha)``.
    * ``Z = 3 Gamma(1+alpha) (tau0 / t)**alpha``: the jumps are discrete. The fractional
      Poisson count has ``Var N / <N>**2 = EB_oo + 1/<N>`` exactly (one unit), and
      ``<K**2> = <K(K-1)> + <K>`` for the jump count K of an overlap adds
      ``2 tau0**alpha Δ**2 m(t) / (Δ m(t))**2`` (two units).

    t is the number of points here (the last time is t - 1; using t - 1 or n changes the
    result at next order only). At alpha = 1, ``X`` is the Brownian ``2(2Δ²+1)/(3Δt)``
    and ``Z = 3 tau0 / t`` the excess of Poisson jump counts. The neglected terms are
    O((X + Y + Z)**2) and O(Δ/t): trust the result when ``X + Y + Z`` is small (say
    < 0.3). tests/test_theory.py checks it against simulations (alpha = 0.3, 0.5, 0.8;
    lags 1, 5; tau0 = 0.01, 1) within 4 standard errors plus ``(X + Y + Z)**2``; the
    measured second-order error is below ``0.2 (X + Y + Z)**2``.

    **ATTM and Lévy walk.** Only the limits are derived (:func:`eb_limit`). For the ATTM the
    same structure as the CTRW holds with the operational time ``Theta = 2 int D ds`` in
    place of the jump count, and every correction decays as ``1/m(t)`` (seen in
    simulations of Theta up to t = 10**7), but its coefficient involves the correlation
    between the number of segments and their ``D tau`` (short segments carry most of
    Theta): the naive ``(1 + Var(D tau)/<D tau>**2 - 2 EB_oo) / m(t)`` is 3 to 5 times too
    small (alpha = 0.3, 0.5),
    and no finite-t value is given. The Lévy walk's EB -> 0 has no finite-t formula here
    either; in simulations (alpha = 1.5, lags 1 and 5, t = 10**2..10**4) it decays as
    ``t**(alpha - 2)``, as a sum of ~t/<tau> flights whose TA-MSD contributions have a
    variance cut off by the longest flight (~t) suggests.

    References
    ----------
    .. [1] Deng & Barkai, PRE 79, 011112 (2009), doi:10.1103/PhysRevE.79.011112.
    .. [2] Safdari, Cherstvy, Chechkin, Thiel, Sokolov & Metzler, "Quantifying the
       non-ergodicity of scaled Brownian motion", J. Phys. A 48, 375002 (2015),
       doi:10.1088/1751-8113/48/37/375002.
    .. [3] He, Burov, Metzler & Barkai, PRL 101, 058101 (2008),
       doi:10.1103/PhysRevLett.101.058101.

    Examples
    --------
    >>> round(float(eb("fbm", 1.0, 1, 101)), 4)   # Brownian, lag 1, n = 100 windows
    0.02
    >>> eb("sbm", 0.5, 2, [10, 100, 1000]).round(4).tolist()
    [0.4124, 0.0479, 0.0062]
    """
    name = model_name(model)
    alpha = check_alpha(name, alpha)
    lag = as_int(lag, "lag", 1)
    opts = _check_options(name, options)
    if name not in EB_FINITE_T_MODELS:
        raise NoFiniteTimeTheory(
            f"model: no finite-t EB theory for {name!r}; models with one: "
            f"{', '.join(EB_FINITE_T_MODELS)}. Use eb_limit({name!r}, alpha) for the limit."
        )
    t_arr = _lengths(t, lag)
    flat = t_arr.ravel()
    if flat.size == 0:
        return np.zeros(t_arr.shape)
    if name == "ctrw":
        out = _eb_ctrw_finite(alpha, lag, flat, opts["tau0"])
    else:
        n = flat - lag
        out = (_eb_fbm if name == "fbm" else _eb_sbm)(alpha, lag, n)
    out = out.reshape(t_arr.shape)
    return float(out) if out.ndim == 0 else out


def eb_length(model, alpha, lag, tol=0.05, **options) -> float:
    """How long must I measure? The trajectory length at which EB reaches its limit.

    Parameters
    ----------
    model : str or int
        ``"ctrw"``, ``"fbm"`` or ``"sbm"`` (the models with a finite-t theory in :func:`eb`).
    alpha : float
        Anomalous exponent within the model's range.
    lag : int
        Lag Δ >= 1 in steps.
    tol : float, optional
        Tolerance, default 0.05. For a model with a non-zero limit (CTRW, alpha < 1): EB
        within a relative ``tol`` of the limit. For a zero limit (FBM, SBM, any model at
        alpha = 1): EB below ``tol`` (absolute).
    **options
        The simulator's options (``tau0`` for ``"ctrw"``).

    Returns
    -------
    float
        The length t (points): the smallest integer t for the exact Gaussian theory, the
        real root of the leading-order expansion for the CTRW.

    See Also
    --------
    eb : EB at finite length.
    eb_limit : its limit.

    Notes
    -----
    CTRW: every finite-t term of :func:`eb` decays as ``t**(-alpha)``, so
    ``EB(t) - EB_oo = K t**(-alpha)`` and ``t = (K / (tol EB_oo))**(1/alpha)``, within
    the expansion's accuracy (the excess it predicts is accurate to
    ``O((X+Y+Z)**2)``, small at the length returned). FBM and SBM: bisection on the
    exact EB, which decreases with t.

    Examples
    --------
    >>> round(eb_length("ctrw", 0.5, 1, tau0=0.01))
    10558
    >>> eb_length("fbm", 1.0, 1)   # Brownian motion, lag 1: EB = 2/n <= 0.05 from n = 40
    41.0
    """
    name = model_name(model)
    alpha = check_alpha(name, alpha)
    lag = as_int(lag, "lag", 1)
    if lag > 10**7:
        raise ValueError(f"lag: eb_length handles lags up to 10**7, got {lag}.")
    if isinstance(tol, (bool, np.bool_)) or not isinstance(tol, numbers.Real) or not 0 < tol < 1:
        raise ValueError(f"tol: expected a number in (0, 1), got {tol!r}.")
    eb(name, alpha, lag, lag + 1, **options)  # validates the model and options
    limit = eb_limit(name, alpha)
    if limit > 0:  # CTRW below alpha = 1
        excess_at_1 = _eb_ctrw_finite(alpha, lag, np.array([1]), _check_options(name, options)["tau0"])[0] - limit
        return float((excess_at_1 / (tol * limit)) ** (1 / alpha))
    target = tol
    lo, hi = lag + 1, 2 * (lag + 1)
    while eb(name, alpha, lag, hi, **options) > target:
        lo, hi = hi, 2 * hi
        if hi > 10**8:
            raise ValueError(f"tol: EB of {name!r} stays above {tol} up to t = 10**8 points.")
    if eb(name, alpha, lag, lo, **options) <= target:
        return float(lo)
    while hi - lo > 1:  # eb(lo) > target >= eb(hi)
        mid = (lo + hi) // 2
        if eb(name, alpha, lag, mid, **options) > target:
            lo = mid
        else:
            hi = mid
    return float(hi)


# ---------------------------------------------------------------- Cramér-Rao bound


def _xlogx_pow(k, alpha):
    """d/dalpha of |k|**alpha, with 0 at k = 0."""
    k = np.abs(k)
    out = np.zeros_like(k)
    pos = k > 0
    out[pos] = k[pos] ** alpha * np.log(k[pos])
    return out


#: Longest trajectory for :func:`fbm_crlb` (time O(T**2): about 4 s at T = 10**4).
FBM_CRLB_MAX_T = 20_000
# Below this distance from alpha = 2 the bound is extrapolated linearly (see fbm_crlb).
_CRLB_EDGE = 2.0 - 1e-6


def _fgn_acov_dalpha(k: np.ndarray, alpha: float) -> np.ndarray:
    """d/dalpha of the unit fGn autocovariance."""
    return 0.5 * (_xlogx_pow(k + 1, alpha) - 2 * _xlogx_pow(k, alpha) + _xlogx_pow(k - 1, alpha))


@functools.lru_cache(maxsize=4096)
def _fbm_crlb_scalar(alpha: float, T: int) -> float:
    if alpha > _CRLB_EDGE:  # the bound is linear in 2 - alpha there
        return _fbm_crlb_scalar(_CRLB_EDGE, T) * (2.0 - alpha) / (2.0 - _CRLB_EDGE)
    n = T - 1
    k = np.arange(n + 1, dtype=np.float64)
    g = _fgn_acov(k, alpha, 1.0)
    dg = _fgn_acov_dalpha(k, alpha)
    # Durbin-Levinson with derivatives: predictor phi[1..m] of order m, prediction
    # variance v, and u[i] = sum_j dg_|i-j| phi_j (i = 0..m), so that
    # E[(d e_m)^2] / D = dphi . (dr - dR phi) = dphi . (dg[1..m] - u[1..m]) in O(m).
    phi = np.zeros(n + 1)
    dphi = np.zeros(n + 1)
    u = np.zeros(n + 1)
    v, dv = g[0], dg[0]
    i_aa = 0.5 * (dv / v) ** 2
    i_ad = 0.5 * dv / v
    for m in range(1, n):
        p, dp = phi[1:m], dphi[1:m]
        grev, dgrev = g[m - 1 : 0 : -1], dg[m - 1 : 0 : -1]
        kap = (g[m] - p @ grev) / v
        dkap = (dg[m] - dp @ grev - p @ dgrev - kap * dv) / v
        u_m = p @ dgrev
        pr, dpr = p[::-1].copy(), dp[::-1].copy()
        phi[1:m] -= kap * pr
        phi[m] = kap
        dphi[1:m] -= dkap * pr + kap * dpr
        dphi[m] = dkap
        old = u[: m + 1].copy()
        old[m] = u_m
        u[: m + 1] = old - kap * old[::-1] + kap * dg[m::-1]
        dv = dv * (1 - kap**2) - 2 * v * kap * dkap
        v = v * (1 - kap**2)
        q = dphi[1 : m + 1] @ (dg[1 : m + 1] - u[1 : m + 1])
        i_aa += 0.5 * (dv / v) ** 2 + q / v
        i_ad += 0.5 * dv / v
    # Fisher information of (alpha, log D): I_DD = n / 2; eliminate log D.
    info = i_aa - i_ad**2 / (n / 2)
    return float(1.0 / np.sqrt(info))


def fbm_crlb(alpha, T):
    """Cramér-Rao bound on the std of an unbiased estimate of alpha from one FBM trajectory.

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

    See Also
    --------
    anomdiff.mle_alpha : the maximum-likelihood estimator that approaches it.

    Notes
    -----
    The trajectory has ``T`` points (T - 1 fractional-Gaussian-noise increments) and an
    unknown diffusivity D; the bound is ``sqrt([I^-1]_{alpha alpha})`` with the Fisher
    information ``I_ij = tr(S^-1 dS_i S^-1 dS_j) / 2`` of the Gaussian increments'
    covariance S [1]_, [2]_. It is computed in O(T**2) time and O(T) memory from the
    innovations form of the likelihood: with the Durbin-Levinson prediction errors
    ``e_k`` (variance ``D v_k``) of the increments,
    ``I_alpha,alpha = sum_k [(dv_k / v_k)**2 / 2 + E(de_k)**2 / (D v_k)]``,
    ``I_alpha,logD = sum_k dv_k / (2 v_k)`` and ``I_logD,logD = (T - 1) / 2``, where the
    derivatives follow the recursion and ``E(de_k)**2`` is updated in O(k) per step
    (about 4 s at T = 10**4; T is capped at ``FBM_CRLB_MAX_T``). As alpha -> 2 the bound
    vanishes linearly in ``2 - alpha``; within ``1e-6`` of 2 it is extrapolated linearly
    from ``2 - 1e-6`` (relative error ~1e-5). Results are cached, so a curve over alpha
    is quick.

    References
    ----------
    .. [1] Kay, Fundamentals of Statistical Signal Processing I (1993), Sec. 3.9.
    .. [2] Muñoz-Gil et al., Nat. Commun. 12, 6253 (2021), doi:10.1038/s41467-021-26320-w.

    Examples
    --------
    >>> round(float(fbm_crlb(1.0, 200)), 3)
    0.089
    """
    T = as_int(T, "T", 3)
    if T > FBM_CRLB_MAX_T:
        raise ValueError(
            f"T: fbm_crlb computes the exact bound up to T = {FBM_CRLB_MAX_T} (time ~T**2), got {T}; "
            f"for longer trajectories scale it as sqrt({FBM_CRLB_MAX_T} / T) (asymptotically exact)."
        )
    a = _alpha_array(alpha, 0.0, 2.0, "fbm_crlb (FBM)")
    if np.any(a >= 2):
        raise ValueError(f"alpha: fbm_crlb needs 0 < alpha < 2 (FBM), got {alpha!r}.")
    out = np.array([_fbm_crlb_scalar(float(v), T) for v in a.ravel()]).reshape(a.shape)
    return float(out) if out.ndim == 0 else out
