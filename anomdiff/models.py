"""The five anomalous-diffusion simulators and the model registry.

Every simulator returns an array of shape (N, T) of 1-D positions sampled at the integer
times 0..T-1, starting at 0, and is vectorized over trajectories: the only Python loops run
over blocks of rows (to bound memory) or over rounds of renewal draws, never over single
trajectories. The ensemble-MSD law of each model is in :mod:`anomdiff.theory`.

Units: one time step is the unit of time; the scale of positions is fixed so that the MSD
prefactors are the ones written in :mod:`anomdiff.theory` (FBM and SBM: exactly ``t**alpha``).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft

from ._validate import as_int, as_rng

MODELS = ("attm", "ctrw", "fbm", "lw", "sbm")
"""Model names; a model's index in this tuple is its label, as in andi-datasets."""

# Admitted exponents: (low, high, low_inclusive, high_inclusive).
_RANGES = {
    "attm": (0.0, 1.0, False, True),
    "ctrw": (0.0, 1.0, False, True),
    "fbm": (0.0, 2.0, False, False),
    "lw": (1.0, 2.0, True, True),
    "sbm": (0.0, 2.0, False, True),
}

#: Exponent of the ATTM lifetime law tau ~ D**(-gamma) (Massignan et al. 2014). Any
#: 0 < gamma works for the subdiffusive regime sigma < gamma; 1/2 keeps the time a segment
#: contributes to the MSD bounded, so the MSD reaches its t**alpha law quickly.
ATTM_GAMMA = 0.5

def ctrw_tau0(alpha: float) -> float:
    """Time scale of the CTRW's waiting times, in time steps: 10**(-8 (1 - alpha)**2).

    Mittag-Leffler waits come in bursts (their density diverges at 0 for alpha < 1). A
    microscopic time much shorter than the sampling step, as for a camera's frame interval,
    turns each burst into one Gaussian step: the walk is then close to its continuum limit
    (subordinated Brownian motion), whose time averages approach their long-time laws
    fastest (tau0 = 0.01 at alpha = 0.5). Towards alpha = 1 bursts fade, and tau0 -> 1 keeps
    the number of jumps per step below one.
    """
    return 10.0 ** (-8.0 * (1.0 - alpha) ** 2)


#: Mean flight time of the Lévy walk at alpha = 1 (exponential flights): 2, the mean of the
#: Pareto flights as sigma -> 2.
LW_EXPONENTIAL_MEAN = 2.0

# Memory bound for one block of rows: about this many float64 per intermediate array.
_BLOCK_ELEMENTS = 4_000_000


def model_name(model) -> str:
    """Return the canonical name of ``model`` (a name, any case, or a label 0..4)."""
    if isinstance(model, str):
        name = model.strip().lower()
        if name in MODELS:
            return name
        raise ValueError(f"model: unknown model {model!r}; choose one of {MODELS} or a label 0..4.")
    if isinstance(model, numbers.Integral) and not isinstance(model, bool):
        if 0 <= model < len(MODELS):
            return MODELS[int(model)]
        raise ValueError(f"model: label {model} is out of range; labels are 0..4 for {MODELS}.")
    if isinstance(model, numbers.Real) and float(model).is_integer():
        return model_name(int(model))
    raise TypeError(f"model: expected a name in {MODELS} or a label 0..4, got {model!r}.")


def alpha_range(model) -> tuple[float, float]:
    """The interval of exponents ``model`` admits, as ``(low, high)``.

    Whether the ends are included is stated by :func:`range_text` and checked by
    :func:`admits`: ATTM and CTRW (0, 1], FBM (0, 2), Lévy walk [1, 2], SBM (0, 2].

    Examples
    --------
    >>> alpha_range("lw")
    (1.0, 2.0)
    """
    low, high, _, _ = _RANGES[model_name(model)]
    return (low, high)


def range_text(model) -> str:
    """The admitted exponents of ``model`` in interval notation, e.g. ``'(0, 1]'``."""
    low, high, lo_in, hi_in = _RANGES[model_name(model)]
    return f"{'[' if lo_in else '('}{low:g}, {high:g}{']' if hi_in else ')'}"


def admits(model, alpha) -> bool:
    """True if ``model`` is defined for the exponent ``alpha`` (finite real)."""
    low, high, lo_in, hi_in = _RANGES[model_name(model)]
    a = float(alpha)
    if not np.isfinite(a):
        return False
    above = a >= low if lo_in else a > low
    below = a <= high if hi_in else a < high
    return above and below


def check_alpha(model, alpha) -> float:
    """Return ``alpha`` as float, or raise a ``ValueError`` naming the model's range."""
    name = model_name(model)
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha: expected a real number, got {alpha!r}.")
    if not admits(name, alpha):
        raise ValueError(
            f"alpha: model {name!r} admits exponents in {range_text(name)}, got {alpha}."
        )
    return float(alpha)


def simulate(model, T, alpha, N=1, *, rng=None) -> np.ndarray:
    """Simulate ``N`` trajectories of ``T`` points of an anomalous-diffusion model.

    Parameters
    ----------
    model : str or int
        One of ``MODELS`` (``"attm", "ctrw", "fbm", "lw", "sbm"``) or its label 0..4.
    T : int
        Number of time points (>= 2); times are 0..T-1 in steps of 1.
    alpha : float
        Anomalous exponent, within the model's range (see :func:`alpha_range`).
    N : int, optional
        Number of trajectories (>= 1).
    rng : int, numpy.random.Generator or None
        Seed or generator; the same seed gives the same trajectories.

    Returns
    -------
    ndarray, shape (N, T)
        Positions, ``x[:, 0] == 0``.

    Examples
    --------
    >>> x = simulate("fbm", T=100, alpha=0.5, N=3, rng=1)
    >>> x.shape, float(x[0, 0])
    ((3, 100), 0.0)
    """
    name = model_name(model)
    T = as_int(T, "T", 2)
    N = as_int(N, "N", 1)
    alpha = check_alpha(name, alpha)
    gen = as_rng(rng)
    return _SIMULATORS[name](N, T, alpha, gen)


# ---------------------------------------------------------------- Gaussian models


def fbm(N: int, T: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Fractional Brownian motion, Hurst exponent H = alpha / 2, MSD exactly t**alpha.

    Exact Davies-Harte circulant embedding of the fractional Gaussian noise; the real and
    imaginary parts of one complex FFT give two independent trajectories.
    Reference: Davies & Harte, Biometrika 74, 95 (1987), doi:10.1093/biomet/74.1.95.
    """
    n = T - 1
    x = np.zeros((N, T))
    # Embed M >= n increments in a circulant of fast FFT size 2M; keep the first n.
    M = scipy.fft.next_fast_len(n)
    k = np.arange(M + 1, dtype=np.float64)
    gamma = 0.5 * (np.abs(k + 1) ** alpha - 2 * k**alpha + np.abs(k - 1) ** alpha)
    row = np.concatenate([gamma, gamma[-2:0:-1]])  # first row of the circulant, size 2M
    m = row.size
    eig = scipy.fft.rfft(row).real
    eig = np.concatenate([eig, eig[-2:0:-1]])
    if eig.min() < -1e-8 * eig.max():  # never seen for fGn (Craigmile 2003); guard anyway
        raise RuntimeError("FBM circulant embedding is not positive definite.")
    scale = np.sqrt(np.clip(eig, 0.0, None) / m)
    pairs = (N + 1) // 2
    z = rng.standard_normal((pairs, 2 * m)).view(np.complex128)
    z *= scale
    y = scipy.fft.fft(z, axis=1, overwrite_x=True, workers=-1)
    np.cumsum(y.real[:, :n], axis=1, out=x[:pairs, 1:])
    np.cumsum(y.imag[: N - pairs, :n], axis=1, out=x[pairs:, 1:])
    return x


def sbm(N: int, T: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Scaled Brownian motion: independent Gaussian increments, Var x_t = t**alpha exactly.

    Reference: Jeon, Chechkin & Metzler, PCCP 16, 15811 (2014), doi:10.1039/C4CP02019G.
    """
    t = np.arange(T, dtype=np.float64)
    std = np.sqrt(np.diff(t**alpha))
    x = np.zeros((N, T))
    incr = rng.standard_normal((N, T - 1))
    incr *= std
    np.cumsum(incr, axis=1, out=x[:, 1:])
    return x


# ---------------------------------------------------------------- renewal models


def mittag_leffler_times(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Mittag-Leffler waiting times of index ``alpha`` (scale 1).

    Survival ``E_alpha(-t**alpha)``, tail ``~ t**(-1-alpha)`` for alpha < 1, exponential at
    alpha = 1. Their renewal counting process has mean exactly ``t**alpha / Gamma(1+alpha)``.
    Sampled as E * (sin(alpha pi (1-v)) / sin(alpha pi v))**(1/alpha), E exponential, v uniform.
    Reference: Fulger, Scalas & Germano, PRE 77, 021122 (2008), doi:10.1103/PhysRevE.77.021122.
    """
    tau = rng.standard_exponential(size)
    if alpha == 1.0:
        return tau
    v = rng.random(size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        # sin(a pi (1-v)) / sin(a pi v) = sin(a pi) / tan(a pi v) - cos(a pi) >= 0
        ratio = np.tan(alpha * np.pi * v)
        np.divide(np.sin(alpha * np.pi), ratio, out=ratio)
        ratio -= np.cos(alpha * np.pi)
        if alpha < 1e-3:  # tan may underflow; the small-angle ratio is (1 - v) / v
            ratio = np.where(np.isfinite(ratio) & (ratio > 0), ratio, (1.0 - v) / v)
        np.fmax(ratio, 0.0, out=ratio)  # rounding near v = 1
        np.power(ratio, 1.0 / alpha, out=ratio)
        tau *= ratio
    return np.fmax(tau, 0.0, out=tau)  # 0 * inf (probability ~1e-16) gives 0, never NaN


def pareto_times(index: float, size, rng: np.random.Generator) -> np.ndarray:
    """Pareto times >= 1 with survival ``t**(-index)``."""
    u = 1.0 - rng.random(size)  # (0, 1]
    return np.exp(np.minimum(-np.log(u) / index, 700.0))


def _renewal_segments(draw, N: int, horizon: float, expected: float, first=None, value=None):
    """All renewal segments of N independent processes that start before ``horizon``.

    ``draw(shape)`` gives waiting times; ``first(n)``, if given, the n durations of the
    segments in progress at time 0 (an equilibrium start); ``value(durations)``, if given,
    a value per segment (a velocity, a diffusivity). Returns flat arrays ``rows, starts``
    and, with ``value``, ``changes``: each segment's value minus the previous one's in its
    row (the value itself for a row's first segment), i.e. the steps of the piecewise-constant
    function. Draws in rounds for the rows short of the horizon; waits are > 0 almost
    surely, so rounds end.
    """
    rows_out, starts_out, changes_out = [], [], []
    active = np.arange(N)
    t0 = np.zeros(N)
    last = np.zeros(N)
    drawn = 0
    # A first batch just above the mean count: most rows finish in one or two rounds.
    batch = int(min(expected + 2 * np.sqrt(expected) + 8, 1e7 / max(N, 1) + 8))
    while active.size:
        tau = draw((active.size, batch))
        if first is not None and not rows_out:
            tau[:, 0] = first(active.size)
        starts = np.empty_like(tau)
        starts[:, 0] = t0
        np.cumsum(tau[:, :-1], axis=1, out=starts[:, 1:])
        starts[:, 1:] += t0[:, None]
        keep = starts < horizon
        rows_out.append(np.broadcast_to(active[:, None], keep.shape)[keep])
        starts_out.append(starts[keep])
        if value is not None:
            vals = value(tau)
            change = np.empty_like(vals)
            change[:, 0] = vals[:, 0] - last
            np.subtract(vals[:, 1:], vals[:, :-1], out=change[:, 1:])
            changes_out.append(change[keep])
            last = vals[:, -1]
        t0 = starts[:, -1] + tau[:, -1]
        going = t0 < horizon
        active, t0, last = active[going], t0[going], last[going]
        drawn += batch
        if active.size:  # rows still short of the horizon: extrapolate their own pace
            need = np.median(drawn * (horizon - t0) / np.maximum(t0, 1e-300))
            batch = int(min(max(8, need), 1e7 / active.size + 8))
    rows, starts = np.concatenate(rows_out), np.concatenate(starts_out)
    return (rows, starts, np.concatenate(changes_out)) if value is not None else (rows, starts)


def _unit_integrals(rows, times, weights, N: int, T: int) -> np.ndarray:
    """Integrals over [k-1, k] of f(s) = sum_j weights_j * H(s - times_j), k = 1..T-1.

    Column 0 of the (N, T) result is 0. Exact for piecewise-constant f: a change at time c
    in (m-1, m] adds ``w * (m - c)`` to interval m and ``w`` to every later interval.
    All ``times`` must be < T - 1 (as renewal starts before the horizon are).
    """
    m = np.ceil(times).astype(np.int64)
    flat = rows * T + m
    out = np.bincount(flat, weights=weights, minlength=N * T).reshape(N, T)
    part = np.bincount(flat, weights=weights * (m - times), minlength=N * T).reshape(N, T)
    np.cumsum(out, axis=1, out=out)
    out[:, 1:] = out[:, :-1] + part[:, 1:]
    out[:, 0] = 0.0
    return out


def _blocks(N: int, T: int, per_row: float):
    """Row blocks (start, stop) bounding the memory of renewal simulations."""
    size = max(1, int(_BLOCK_ELEMENTS / max(per_row, 1.0)))
    return [(i, min(N, i + size)) for i in range(0, N, size)]


def _expected_renewals(alpha: float, T: int) -> float:
    from scipy.special import gamma as gamma_fn

    return T**alpha / gamma_fn(1 + alpha)


def ctrw(N: int, T: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Continuous-time random walk: Mittag-Leffler waits of index alpha, Gaussian jumps.

    Waiting times are tau0 = :func:`ctrw_tau0` times Mittag-Leffler variates: power-law tail
    psi(tau) ~ tau**(-1-alpha) for alpha < 1, exponential at alpha = 1. Jumps are
    N(0, tau0**alpha), so the ensemble MSD is exactly t**alpha / Gamma(1 + alpha).
    Positions are read on the integer grid: x(t) is the sum of the jumps made before t.
    Reference: Metzler & Klafter, Phys. Rep. 339, 1 (2000), doi:10.1016/S0370-1573(00)00070-3.
    """
    tau0 = ctrw_tau0(alpha)
    jump_var = tau0**alpha
    if alpha == 1.0:
        # Exponential waits are memoryless: the jumps in each step are Poisson(1 / tau0).
        counts = rng.poisson(1.0 / tau0, size=(N, T - 1))
        x = np.zeros((N, T))
        np.cumsum(np.sqrt(counts * jump_var) * rng.standard_normal((N, T - 1)), axis=1, out=x[:, 1:])
        return x
    expected = _expected_renewals(alpha, T / tau0)
    x = np.empty((N, T))
    for a, b in _blocks(N, T, max(T, expected)):
        n = b - a
        rows, starts = _renewal_segments(
            lambda size: tau0 * mittag_leffler_times(alpha, size, rng), n, T - 1, expected
        )
        jumps = starts > 0  # the first segment of each row starts at 0: no jump there
        rows, starts = rows[jumps], starts[jumps]
        bins = np.floor(starts).astype(np.int64) + 1  # a jump at s shows from time floor(s)+1
        steps = np.sqrt(jump_var) * rng.standard_normal(rows.size)
        x[a:b] = np.bincount(rows * T + bins, weights=steps, minlength=n * T).reshape(n, T)
        np.cumsum(x[a:b], axis=1, out=x[a:b])
    return x


def attm(N: int, T: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Annealed transient time model: Brownian segments of random diffusivity.

    Segment lifetimes tau are Mittag-Leffler of index alpha; each segment's diffusivity is
    D = (1 + tau)**(-1/gamma) with gamma = ``ATTM_GAMMA``. Hence P(D) ~ D**(sigma-1) for
    small D and tau ~ D**(-gamma), with alpha = sigma / gamma, the model of Massignan et al.
    Within a segment, x moves as Brownian motion with <dx^2> = 2 D dt, integrated exactly
    over each time step. Every admitted alpha terminates: lifetimes are drawn directly.
    Reference: Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    """
    expected = _expected_renewals(alpha, T)
    x = np.empty((N, T))
    for a, b in _blocks(N, T, max(T, expected)):
        n = b - a
        rows, starts, steps = _renewal_segments(
            lambda size: mittag_leffler_times(alpha, size, rng), n, T - 1, expected,
            value=lambda tau: np.power(1.0 / (1.0 + tau), 1.0 / ATTM_GAMMA),  # D per segment
        )
        var = 2.0 * _unit_integrals(rows, starts, steps, n, T)
        block = x[a:b]
        block[:] = rng.standard_normal((n, T))
        block *= np.sqrt(np.clip(var, 0.0, None))
        block[:, 0] = 0.0
        np.cumsum(block, axis=1, out=block)
    return x


def levy_walk(N: int, T: int, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Lévy walk: flights at unit speed in a random direction, flight times ~ tau**(-1-sigma).

    For 1 < alpha < 2, sigma = 3 - alpha and flight times are Pareto (tau >= 1), which have a
    finite mean; the walk starts in equilibrium (the flight under way at t = 0 has the
    forward-recurrence law), so its velocity is stationary, the TA-MSD is an unbiased
    estimate of the EA-MSD (the course's "ergodic" class) and the MSD has a closed form
    (:func:`anomdiff.theory.msd_lw`). The two ends are limits: alpha = 2 is ballistic (one
    flight, x = +-t) and alpha = 1 the persistent random walk with exponential flight times
    of mean ``LW_EXPONENTIAL_MEAN`` = 2, the mean Pareto flight at sigma = 2 (normal diffusion
    at long times); both avoid the logarithmic corrections of
    sigma = 1 and sigma = 2.
    Reference: Zaburdaev, Denisov & Klafter, RMP 87, 483 (2015), doi:10.1103/RevModPhys.87.483.
    """
    if alpha == 2.0:
        direction = rng.choice([-1.0, 1.0], size=(N, 1))
        return direction * np.arange(T, dtype=np.float64)
    if alpha == 1.0:
        mean_flight = LW_EXPONENTIAL_MEAN

        def draw(size):
            return rng.exponential(mean_flight, size)
        first = None  # exponential flights are memoryless: already in equilibrium
    else:
        sigma = 3.0 - alpha
        mean_flight = sigma / (sigma - 1.0)

        def draw(size):
            return pareto_times(sigma, size, rng)

        def first(n):
            # Forward-recurrence density Psi(s) / mean: uniform on (0, 1) with probability
            # 1 / mean, else Pareto of index sigma - 1.
            short = rng.random(n) < 1.0 / mean_flight
            return np.where(short, rng.random(n), pareto_times(sigma - 1.0, n, rng))
    expected = T / mean_flight
    x = np.empty((N, T))
    for a, b in _blocks(N, T, max(T, expected)):
        n = b - a
        rows, starts, steps = _renewal_segments(
            draw, n, T - 1, expected, first, value=lambda tau: 2.0 * rng.integers(0, 2, size=tau.shape) - 1.0
        )
        x[a:b] = _unit_integrals(rows, starts, steps, n, T)
        np.cumsum(x[a:b], axis=1, out=x[a:b])
    return x


_SIMULATORS = {"attm": attm, "ctrw": ctrw, "fbm": fbm, "lw": levy_walk, "sbm": sbm}
