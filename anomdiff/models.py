"""The five anomalous-diffusion simulators and the model registry.

:func:`simulate` is the one entry point: it validates its input and dispatches to a private
simulator per model (``_attm``, ``_ctrw``, ``_fbm``, ``_levy_walk``, ``_sbm``). Each returns
positions sampled at the integer times 0..T-1, starting at 0, shape (N, T) in one dimension
and (N, T, dim) in two or three, and is vectorized over trajectories: the only Python loops
run over blocks of rows (to bound memory), over rounds of renewal draws or over the (at most
three) components, never over single trajectories. The ensemble-MSD law of each model is in
:mod:`anomdiff.theory`.

Units: one time step is the unit of time; the scale of positions is fixed so that the MSD
prefactors are the ones written in :mod:`anomdiff.theory` (FBM and SBM: exactly ``t**alpha``
per component).
"""

from __future__ import annotations

import numbers
import os

import numpy as np
import scipy.fft

from ._validate import as_int, as_rng

MODELS = ("attm", "ctrw", "fbm", "lw", "sbm")
"""Model names; a model's index in this tuple is its label, as in andi-datasets."""

# The course's labelling (see anomdiff.datasets.ergodic_labels): FBM and the Lévy walk
# (started in equilibrium) have ergodic MSDs, the time average tends to the ensemble
# average; ATTM, CTRW and SBM do not. At alpha = 1 every model is labelled ergodic: SBM is
# Brownian motion, and the CTRW (exponential waits), the ATTM (exponential lifetimes) and the
# Lévy walk (exponential flights) renew at a finite mean rate, so their time averages
# self-average. Label rule: model in ERGODIC_MODELS or alpha == 1. The labels are for the
# default options (a Lévy walk started out of equilibrium breaks ergodicity ultraweakly).
ERGODIC_MODELS = ("fbm", "lw")
"""Models labelled ergodic at every exponent (the others only at alpha = 1)."""

# Admitted exponents: (low, high, low_inclusive, high_inclusive).
_RANGES = {
    "attm": (0.0, 1.0, False, True),
    "ctrw": (0.0, 1.0, False, True),
    "fbm": (0.0, 2.0, False, False),
    "lw": (1.0, 2.0, True, True),
    "sbm": (0.0, 2.0, False, True),
}

# Keyword options of each model and their defaults (validated by _check_options).
_OPTIONS = {
    "attm": {},
    "ctrw": {"tau0": 1.0},
    "fbm": {},
    "lw": {"equilibrium": True},
    "sbm": {},
}

#: Exponent of the ATTM lifetime law tau ~ D**(-gamma) (Massignan et al. 2014). Any
#: 0 < gamma works for the subdiffusive regime sigma < gamma; 1/2 keeps the time a segment
#: contributes to the MSD bounded, so the MSD reaches its t**alpha law quickly.
ATTM_GAMMA = 0.5

#: Mean flight time of the Lévy walk at alpha = 1 (exponential flights): 2, the mean of the
#: Pareto flights as sigma -> 2.
LW_EXPONENTIAL_MEAN = 2.0

#: Largest result :func:`simulate` builds, in bytes (8 GiB, or half the machine's physical
#: memory if that is less); a simulation whose result and work arrays together would take
#: more than twice that is refused too, at once, with a ValueError.
MAX_RESULT_BYTES = 8 * 2**30

# Memory bound for one block of rows: about this many float64 per intermediate array.
_BLOCK_ELEMENTS = 4_000_000

# The CTRW stores every jump of a block of rows: refuse walks expected to make more jumps
# per trajectory than this (a tiny tau0), and Poisson counts beyond numpy's range (alpha = 1).
_MAX_RENEWALS_PER_ROW = 1e8
_MAX_POISSON_RATE = 1e15


def model_name(model) -> str:
    """Return the canonical name of a model given by name or label.

    Every function that takes a model accepts either form; this is where they are read.

    Parameters
    ----------
    model : str or int
        A name in :data:`MODELS` (any case, surrounding spaces ignored) or its label 0..4
        (an integer, or a float with an integer value). Booleans are not labels.

    Returns
    -------
    str
        The name as spelled in :data:`MODELS`.

    Raises
    ------
    ValueError
        For an unknown name or a label outside 0..4.
    TypeError
        For anything else (including ``True`` and ``False``).

    See Also
    --------
    simulate : Uses it to read its ``model`` argument.

    Examples
    --------
    >>> model_name("FBM"), model_name(3)
    ('fbm', 'lw')
    """
    if isinstance(model, (bool, np.bool_)):
        raise TypeError(f"model: expected a name in {MODELS} or a label 0..4, got {model!r}.")
    if isinstance(model, str):
        name = model.strip().lower()
        if name in MODELS:
            return name
        raise ValueError(f"model: unknown model {model!r}; choose one of {MODELS} or a label 0..4.")
    if isinstance(model, numbers.Integral):
        if 0 <= model < len(MODELS):
            return MODELS[int(model)]
        raise ValueError(f"model: label {model} is out of range; labels are 0..4 for {MODELS}.")
    if isinstance(model, numbers.Real) and float(model).is_integer():
        return model_name(int(model))
    raise TypeError(f"model: expected a name in {MODELS} or a label 0..4, got {model!r}.")


def alpha_range(model) -> tuple[float, float]:
    """The interval of anomalous exponents a model admits.

    The ranges are those of the physical models (as in andi-datasets): ATTM and CTRW are
    subdiffusive, the Lévy walk superdiffusive, FBM and SBM cover both.

    Parameters
    ----------
    model : str or int
        A name in :data:`MODELS` or its label 0..4.

    Returns
    -------
    tuple of float
        ``(low, high)``. Whether the ends are included is stated by :func:`range_text` and
        checked by :func:`admits`: ATTM and CTRW (0, 1], FBM (0, 2), Lévy walk [1, 2],
        SBM (0, 2].

    See Also
    --------
    range_text : The same interval in interval notation.
    admits : Whether one exponent is admitted.
    simulate : Raises a ValueError naming this range for other exponents.

    Examples
    --------
    >>> alpha_range("lw")
    (1.0, 2.0)
    """
    low, high, _, _ = _RANGES[model_name(model)]
    return (low, high)


def range_text(model) -> str:
    """The exponents a model admits, in interval notation.

    Used in error messages, so that they state whether each end is included.

    Parameters
    ----------
    model : str or int
        The model, named or labelled as for :func:`alpha_range`.

    Returns
    -------
    str
        E.g. ``'(0, 1]'``: a bracket marks an included end, a parenthesis an excluded one.

    See Also
    --------
    alpha_range : The same interval as numbers.

    Examples
    --------
    >>> range_text("ctrw"), range_text("lw")
    ('(0, 1]', '[1, 2]')
    """
    low, high, lo_in, hi_in = _RANGES[model_name(model)]
    return f"{'[' if lo_in else '('}{low:g}, {high:g}{']' if hi_in else ')'}"


def admits(model, alpha) -> bool:
    """Whether a model is defined for an exponent.

    Infinite and NaN exponents are never admitted.

    Parameters
    ----------
    model : str or int
        A name in :data:`MODELS` or its label 0..4.
    alpha : float
        The anomalous exponent.

    Returns
    -------
    bool
        True if ``alpha`` is finite and inside the model's range (:func:`range_text`).

    See Also
    --------
    check_alpha : The same test, raising an error that names the range.

    Examples
    --------
    >>> admits("ctrw", 1.0), admits("fbm", 2.0)
    (True, False)
    """
    low, high, lo_in, hi_in = _RANGES[model_name(model)]
    a = float(alpha)
    if not np.isfinite(a):
        return False
    above = a >= low if lo_in else a > low
    below = a <= high if hi_in else a < high
    return above and below


def check_alpha(model, alpha) -> float:
    """Validate an exponent for a model.

    The check every simulator and theory function runs before using ``alpha``.

    Parameters
    ----------
    model : str or int
        A name in :data:`MODELS` or its label 0..4.
    alpha : float
        The anomalous exponent (a real number, not a bool or a string).

    Returns
    -------
    float
        ``alpha`` as a Python float.

    Raises
    ------
    TypeError
        If ``alpha`` is not a real number.
    ValueError
        If the model does not admit ``alpha``; the message names the model's range.

    See Also
    --------
    admits : The same test as a bool.

    Examples
    --------
    >>> check_alpha("sbm", 2)
    2.0
    >>> check_alpha("ctrw", 1.2)
    Traceback (most recent call last):
    ...
    ValueError: alpha: model 'ctrw' admits exponents in (0, 1], got 1.2.
    """
    name = model_name(model)
    if isinstance(alpha, (bool, np.bool_)) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha: expected a real number, got {alpha!r}.")
    if not admits(name, alpha):
        raise ValueError(
            f"alpha: model {name!r} admits exponents in {range_text(name)}, got {alpha}."
        )
    return float(alpha)


def _options_text(name: str) -> str:
    opts = _OPTIONS[name]
    if not opts:
        return f"model {name!r} takes no options"
    return f"model {name!r} takes " + ", ".join(f"{k} (default {v!r})" for k, v in opts.items())


def _check_options(name: str, options: dict) -> dict:
    """The model's options with defaults filled in, each validated."""
    unknown = [k for k in options if k not in _OPTIONS[name]]
    if unknown:
        got = ", ".join(repr(k) for k in unknown)
        raise TypeError(f"options: {_options_text(name)}; got {got}.")
    values = {**_OPTIONS[name], **options}
    if "tau0" in values:
        tau0 = values["tau0"]
        if isinstance(tau0, (bool, np.bool_)) or not isinstance(tau0, numbers.Real):
            raise TypeError(f"tau0: expected a positive number (waiting-time scale in frames), got {tau0!r}.")
        tau0 = float(tau0)
        if not (np.isfinite(tau0) and tau0 > 0):
            raise ValueError(f"tau0: expected a positive finite number (waiting-time scale in frames), got {tau0}.")
        values["tau0"] = tau0
    if "equilibrium" in values:
        eq = values["equilibrium"]
        if not isinstance(eq, (bool, np.bool_)):
            raise TypeError(f"equilibrium: expected True or False, got {eq!r}.")
        values["equilibrium"] = bool(eq)
    return values


def _work_bytes(name: str, N: int, T: int, dim: int) -> int:
    """Bytes of the largest work arrays a simulation holds beside its result (estimate)."""
    if name == "fbm":  # a block of complex circulant rows and the half spectrum
        m = 2 * scipy.fft.next_fast_len(T - 1)
        pairs = min((N * dim + 1) // 2, max(1, _BLOCK_ELEMENTS // m))
        return 16 * pairs * m + 8 * (m // 2 + 1)
    if name == "sbm":  # the increments of a block of rows (at least one)
        return 8 * max(_BLOCK_ELEMENTS, T * dim)
    # Renewal models: a few (rows, T) arrays per block of rows, at least one row per block.
    rows = max(1, min(N, _BLOCK_ELEMENTS // (T * dim)))
    return 8 * rows * T * (dim + 3) + 8 * 8 * _BLOCK_ELEMENTS


def _check_size(name: str, N: int, T: int, dim: int) -> None:
    """Refuse at once a simulation that cannot fit in memory (see MAX_RESULT_BYTES)."""
    result = 8 * N * T * dim
    need = result + _work_bytes(name, N, T, dim)
    limit = MAX_RESULT_BYTES
    try:
        limit = min(limit, os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2)
    except (AttributeError, ValueError, OSError):  # not available on every platform
        pass
    if result > limit or need > 2 * limit:
        raise ValueError(
            f"N, T, dim: the result would need {result:,} bytes ({result / 2**30:.3g} GiB) for "
            f"N * T * dim = {N} * {T} * {dim} float64 positions, and the simulation about "
            f"{need:,} bytes ({need / 2**30:.3g} GiB) with its work arrays; the limits are "
            f"{limit:,} bytes ({limit / 2**30:.3g} GiB) for the result and twice that in all. "
            f"Simulate fewer or shorter trajectories at a time."
        )


def simulate(model, T, alpha, N=1, *, dim=1, rng=None, **options) -> np.ndarray:
    """Simulate trajectories of one of the five anomalous-diffusion models.

    Trajectories are sampled at the integer times 0..T-1 and start at the origin; their
    ensemble MSD follows :func:`anomdiff.theory.msd` (exponent and prefactor). Every input
    is validated before any work, including the memory the result would need.

    Parameters
    ----------
    model : str or int
        One of :data:`MODELS` (``"attm", "ctrw", "fbm", "lw", "sbm"``, any case) or its
        label 0..4.
    T : int
        Number of time points (>= 2); times are 0..T-1 in steps of 1.
    alpha : float
        Anomalous exponent, within the model's range (see :func:`alpha_range`).
    N : int, optional
        Number of trajectories (>= 1). Default 1.
    dim : {1, 2, 3}, optional
        Number of spatial dimensions. Default 1.
    rng : int, numpy.random.Generator or None, optional
        Seed or generator; the same seed gives the same trajectories.
    **options
        Model options, validated (any other keyword is a TypeError naming the model's
        options):

        - ``tau0`` (``"ctrw"`` only, float > 0, default 1.0): the scale of the waiting
          times, in time steps. Jumps are Gaussian with variance ``tau0**alpha`` per
          component, so the MSD is the same for every ``tau0``; a small ``tau0`` makes
          many small jumps per step (closer to the continuum limit).
        - ``equilibrium`` (``"lw"`` only, bool, default True): start the Lévy walk in
          equilibrium (the flight under way at t = 0 has the forward-recurrence law). With
          False the first flight starts at t = 0, as in andi-datasets.

    Returns
    -------
    ndarray
        Positions, shape (N, T) for ``dim=1`` and (N, T, dim) otherwise, with
        ``x[:, 0] == 0``.

    Raises
    ------
    TypeError
        For arguments of the wrong type (booleans are neither labels nor sizes) and for
        unknown options.
    ValueError
        For values out of range (the message names the admitted range), and at once for
        a result larger than :data:`MAX_RESULT_BYTES` (8 GiB, or half the physical
        memory if less) or a simulation needing more than twice that with its work arrays.

    See Also
    --------
    alpha_range : The exponents each model admits.
    anomdiff.theory.msd : The ensemble MSD law of each model, in any dimension.
    anomdiff.create_dataset : Labelled trajectories of several models and exponents.

    Notes
    -----
    The ensemble MSD :math:`\\langle |x(t)|^2 \\rangle` (summed over components) of each
    model is given by :func:`anomdiff.theory.msd`.

    - **FBM**: fractional Gaussian increments of Hurst exponent :math:`H = \\alpha/2`,
      autocovariance :func:`anomdiff.theory.fgn_autocovariance`, drawn exactly by
      Davies-Harte circulant embedding [2]_ [1]_; MSD :math:`d\\,t^\\alpha`. Components are
      independent.
    - **SBM**: independent Gaussian increments with :math:`\\mathrm{Var}\\,x_t = t^\\alpha`
      per component [3]_; MSD :math:`d\\,t^\\alpha`. Components are independent.
    - **CTRW**: waiting times :math:`\\tau_0` times Mittag-Leffler variates of index
      :math:`\\alpha` (tail :math:`\\psi(\\tau) \\sim \\tau^{-1-\\alpha}`, exponential at
      :math:`\\alpha = 1`) [4]_ [5]_, drawn once per trajectory; each jump is an isotropic
      Gaussian vector with variance :math:`\\tau_0^\\alpha` per component. The mean number
      of jumps by time t is :math:`(t/\\tau_0)^\\alpha/\\Gamma(1+\\alpha)`, so the MSD is
      :math:`d\\,t^\\alpha/\\Gamma(1+\\alpha)` for every :math:`\\tau_0`. The position at
      integer t is the sum of the jumps made before t; jumps at the same instant (waits
      that round to 0 at tiny :math:`\\alpha`) all count.
    - **ATTM**: Brownian motion whose diffusivity D is redrawn in time: segments of
      Mittag-Leffler lifetime :math:`\\tau` carry :math:`D = (1+\\tau)^{-1/\\gamma}`,
      :math:`\\gamma` = :data:`ATTM_GAMMA`, so :math:`\\tau \\sim D^{-\\gamma}` [6]_. The
      components share the diffusivity sequence and are otherwise independent, each
      integrated exactly over every step; MSD d times the 1-D law.
    - **Lévy walk**: flights at unit speed, each in an independent isotropic direction
      (:math:`\\pm 1` in 1-D, a uniform angle in 2-D, uniform on the sphere in 3-D), with
      Pareto flight times :math:`\\psi(\\tau) \\sim \\tau^{-1-\\sigma}`,
      :math:`\\sigma = 3 - \\alpha`, :math:`\\tau \\ge 1` [7]_. Since directions of
      different flights are uncorrelated and :math:`|v| = 1`, the velocity autocorrelation,
      hence the MSD, is the 1-D law in any dimension. The ends are limits: at
      :math:`\\alpha = 2` one flight (a straight line in a random direction), at
      :math:`\\alpha = 1` exponential flights of mean :data:`LW_EXPONENTIAL_MEAN` (the
      persistent random walk). Started out of equilibrium (``equilibrium=False``, the
      first flight begins at t = 0), the EA-MSD falls below the equilibrium law by a
      factor that tends to :math:`\\sigma - 1` at long times, while the TA-MSD of long
      trajectories follows the equilibrium law: ultraweak ergodicity breaking [8]_
      (measured at :math:`\alpha = 1.5`, T = 10^4, lag 50: EA-MSD / law = 0.55).

    References
    ----------
    .. [1] B. B. Mandelbrot and J. W. Van Ness, "Fractional Brownian motions, fractional
       noises and applications", SIAM Rev. 10, 422 (1968), doi:10.1137/1010093.
    .. [2] R. B. Davies and D. S. Harte, "Tests for Hurst effect", Biometrika 74, 95
       (1987), doi:10.1093/biomet/74.1.95.
    .. [3] J.-H. Jeon, A. V. Chechkin and R. Metzler, "Scaled Brownian motion: a paradoxical
       process with a time dependent diffusivity", PCCP 16, 15811 (2014),
       doi:10.1039/C4CP02019G.
    .. [4] R. Metzler and J. Klafter, "The random walk's guide to anomalous diffusion",
       Phys. Rep. 339, 1 (2000), doi:10.1016/S0370-1573(00)00070-3.
    .. [5] D. Fulger, E. Scalas and G. Germano, "Monte Carlo simulation of uncoupled
       continuous-time random walks yielding a stochastic solution of the space-time
       fractional diffusion equation", PRE 77, 021122 (2008),
       doi:10.1103/PhysRevE.77.021122.
    .. [6] P. Massignan et al., "Nonergodic subdiffusion from Brownian motion in an
       inhomogeneous medium", PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    .. [7] V. Zaburdaev, S. Denisov and J. Klafter, "Lévy walks", Rev. Mod. Phys. 87, 483
       (2015), doi:10.1103/RevModPhys.87.483.
    .. [8] A. Godec and R. Metzler, "Linear response, fluctuation-dissipation, and finite-
       system-size effects in superdiffusion", PRL 110, 020603 (2013),
       doi:10.1103/PhysRevLett.110.020603.

    Examples
    --------
    >>> x = simulate("fbm", T=100, alpha=0.5, N=3, rng=1)
    >>> x.shape, float(x[0, 0])
    ((3, 100), 0.0)
    >>> simulate("ctrw", 50, 0.5, N=4, dim=2, tau0=0.1, rng=1).shape
    (4, 50, 2)
    >>> simulate("fbm", 50, 0.5, tau0=0.1)
    Traceback (most recent call last):
    ...
    TypeError: options: model 'fbm' takes no options; got 'tau0'.
    """
    name = model_name(model)
    sizes = {}
    for key, value, minimum in (("T", T, 2), ("N", N, 1), ("dim", dim, 1)):
        if isinstance(value, (bool, np.bool_)):  # a bool is not a size
            raise TypeError(f"{key}: expected an integer >= {minimum}, got {value!r}.")
        sizes[key] = as_int(value, key, minimum)
    T, N, dim = sizes["T"], sizes["N"], sizes["dim"]
    if dim > 3:
        raise ValueError(f"dim: expected 1, 2 or 3 dimensions, got {dim}.")
    alpha = check_alpha(name, alpha)
    opts = _check_options(name, options)
    _check_size(name, N, T, dim)
    gen = as_rng(rng)
    x = _SIMULATORS[name](N, T, alpha, gen, dim, **opts)
    return x.reshape(N, T) if dim == 1 else x


# ---------------------------------------------------------------- Gaussian models


def _fbm(N: int, T: int, alpha: float, rng: np.random.Generator, dim: int = 1) -> np.ndarray:
    """Fractional Brownian motion, Hurst exponent H = alpha / 2, MSD exactly t**alpha per component.

    Exact Davies-Harte circulant embedding of the fractional Gaussian noise; the real and
    imaginary parts of one complex FFT give two independent 1-D trajectories. The N * dim
    components are such 1-D trajectories, simulated in blocks of rows so that the work
    arrays stay bounded whatever N. Returns (N, T, dim).
    Reference: Davies & Harte, Biometrika 74, 95 (1987), doi:10.1093/biomet/74.1.95.
    """
    from .theory import fgn_autocovariance  # lazy: theory imports this module

    n = T - 1
    rows = N * dim
    x = np.zeros((N, T, dim))
    # Embed M >= n increments in a circulant of fast FFT size 2M; keep the first n. The
    # circulant's eigenvalues are the DCT-I of the autocovariance at lags 0..M.
    M = scipy.fft.next_fast_len(n)
    m = 2 * M
    gamma = np.empty(M + 1)
    for a in range(0, M + 1, _BLOCK_ELEMENTS):  # in blocks: the formula's temporaries stay small
        b = min(M + 1, a + _BLOCK_ELEMENTS)
        gamma[a:b] = fgn_autocovariance(np.arange(a, b, dtype=np.float64), alpha)
    scale = scipy.fft.dct(gamma, type=1, overwrite_x=True)
    del gamma
    if scale.min() < -1e-8 * scale.max():  # never seen for fGn (Craigmile 2003); guard anyway
        raise RuntimeError("FBM circulant embedding is not positive definite.")
    np.clip(scale, 0.0, None, out=scale)
    scale /= m
    np.sqrt(scale, out=scale)  # half the symmetric spectrum: lags 0..M

    def put(first, values):  # 1-D trajectory j is component j // N of row j % N
        done = 0
        while done < values.shape[0]:
            c, i = divmod(first + done, N)
            take = min(values.shape[0] - done, N - i)
            np.cumsum(values[done:done + take], axis=1, out=x[i:i + take, 1:, c])
            done += take

    pairs = (rows + 1) // 2
    per_block = max(1, _BLOCK_ELEMENTS // m)
    for a in range(0, pairs, per_block):
        b = min(pairs, a + per_block)
        # The same stream as one (pairs, 2m) draw: row blocks keep seeds reproducible.
        z = rng.standard_normal((b - a, 2 * m)).view(np.complex128)
        z[:, : M + 1] *= scale
        z[:, M + 1:] *= scale[-2:0:-1]
        z = scipy.fft.fft(z, axis=1, overwrite_x=True, workers=-1)
        put(a, z.real[:, :n])
        imag = min(b, rows - pairs) - a  # the last pair's imaginary part is unused if rows is odd
        if imag > 0:
            put(pairs + a, z.imag[:imag, :n])
        del z
    return x


def _sbm(N: int, T: int, alpha: float, rng: np.random.Generator, dim: int = 1) -> np.ndarray:
    """Scaled Brownian motion: independent Gaussian increments, Var x_t = t**alpha per component.

    Returns (N, T, dim). Reference: Jeon, Chechkin & Metzler, PCCP 16, 15811 (2014),
    doi:10.1039/C4CP02019G.
    """
    t = np.arange(T, dtype=np.float64)
    std = np.sqrt(np.diff(t**alpha))
    x = np.zeros((N, T, dim))
    for a, b in _blocks(N, T * dim, T * dim):  # the same stream as one (N, T-1, dim) draw
        incr = rng.standard_normal((b - a, T - 1, dim))
        incr *= std[:, None]
        np.cumsum(incr, axis=1, out=x[a:b, 1:])
    return x


# ---------------------------------------------------------------- renewal models


def _mittag_leffler_times(alpha: float, size, rng: np.random.Generator) -> np.ndarray:
    """Mittag-Leffler waiting times of index ``alpha`` (scale 1).

    Survival ``E_alpha(-t**alpha)``, tail ``~ t**(-1-alpha)`` for alpha < 1, exponential at
    alpha = 1. Their renewal counting process has mean exactly ``t**alpha / Gamma(1+alpha)``.
    Sampled as E * (sin(alpha pi (1-v)) / sin(alpha pi v))**(1/alpha), E exponential, v uniform.
    At tiny alpha many variates underflow to 0 or overflow to inf (both are exact in
    floating point: a wait below 1e-308 frames, or beyond any horizon).
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


def _pareto_times(index: float, size, rng: np.random.Generator) -> np.ndarray:
    """Pareto times >= 1 with survival ``t**(-index)``."""
    u = 1.0 - rng.random(size)  # (0, 1]
    return np.exp(np.minimum(-np.log(u) / index, 700.0))


def _renewal_segments(draw, N: int, horizon: float, expected: float, first=None, value=None,
                      skip_first=False):
    """All renewal segments of N independent processes that start before ``horizon``.

    ``draw(shape)`` gives waiting times; ``first(n)``, if given, the n durations of the
    segments in progress at time 0 (an equilibrium start); ``value(durations)``, if given,
    a value per segment (a scalar or a vector in the last axis: a velocity, a diffusivity).
    Returns flat arrays ``rows, starts`` and, with ``value``, ``changes``: each segment's
    value minus the previous one's in its row (the value itself for a row's first segment),
    i.e. the steps of the piecewise-constant function. With ``skip_first`` the segment each
    row starts with at time 0 is left out (for a CTRW: the renewals after it are the jumps,
    including renewals at time 0 itself when waits underflow to 0). Draws in rounds for the
    rows short of the horizon; waits are finite and > 0 in law, so rounds end.
    """
    rows_out, starts_out, changes_out = [], [], []
    active = np.arange(N)
    t0 = np.zeros(N)
    last = 0.0
    drawn = 0
    # A first batch just above the mean count: most rows finish in one or two rounds.
    batch = int(min(expected + 2 * np.sqrt(expected) + 8, 1e7 / max(N, 1) + 8))
    first_round = True
    while active.size:
        tau = draw((active.size, batch))
        if first is not None and first_round:
            tau[:, 0] = first(active.size)
        starts = np.empty_like(tau)
        starts[:, 0] = t0
        np.cumsum(tau[:, :-1], axis=1, out=starts[:, 1:])
        starts[:, 1:] += t0[:, None]
        keep = starts < horizon
        if skip_first and first_round:
            keep[:, 0] = False  # identified by position, not by start > 0
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
        active, t0 = active[going], t0[going]
        if value is not None:
            last = last[going]
        drawn += batch
        first_round = False
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


def _expected_renewals(alpha: float, T: float) -> float:
    from scipy.special import gamma as gamma_fn

    return T**alpha / gamma_fn(1 + alpha)


def _ctrw(N: int, T: int, alpha: float, rng: np.random.Generator, dim: int = 1,
          tau0: float = 1.0) -> np.ndarray:
    """Continuous-time random walk: Mittag-Leffler waits of index alpha, Gaussian jumps.

    Waiting times are tau0 times Mittag-Leffler variates, one sequence per trajectory; each
    jump is N(0, tau0**alpha) in every component, so the ensemble MSD is exactly
    dim * t**alpha / Gamma(1 + alpha). x(t) at integer t is the sum of the jumps made
    before t: every renewal after a row's first segment is a jump, also when its wait
    underflowed to 0. Returns (N, T, dim).
    Reference: Metzler & Klafter, Phys. Rep. 339, 1 (2000), doi:10.1016/S0370-1573(00)00070-3.
    """
    jump_var = tau0**alpha
    x = np.zeros((N, T, dim))
    if alpha == 1.0:
        # Exponential waits are memoryless: the jumps in each step are Poisson(1 / tau0).
        if 1.0 / tau0 > _MAX_POISSON_RATE:
            raise ValueError(
                f"tau0: at alpha = 1 the walk would make 1 / tau0 = {1 / tau0:.3g} jumps per "
                f"step (at most {_MAX_POISSON_RATE:g}); use tau0 >= {1 / _MAX_POISSON_RATE:g}."
            )
        counts = rng.poisson(1.0 / tau0, size=(N, T - 1))
        steps = rng.standard_normal((N, T - 1, dim))
        steps *= np.sqrt(counts * jump_var)[..., None]
        np.cumsum(steps, axis=1, out=x[:, 1:])
        return x
    expected = _expected_renewals(alpha, T / tau0)
    if expected > _MAX_RENEWALS_PER_ROW:
        raise ValueError(
            f"tau0: with tau0 = {tau0:g} each trajectory would make about "
            f"(T / tau0)**alpha / Gamma(1 + alpha) = {expected:.3g} jumps (at most "
            f"{_MAX_RENEWALS_PER_ROW:g}); use a larger tau0 or shorter trajectories."
        )
    jump_std = np.sqrt(jump_var)
    for a, b in _blocks(N, T, max(T * dim, expected)):
        n = b - a
        rows, starts = _renewal_segments(
            lambda size: tau0 * _mittag_leffler_times(alpha, size, rng), n, T - 1, expected,
            skip_first=True,
        )
        flat = rows * T + np.floor(starts).astype(np.int64) + 1  # a jump at s shows from floor(s)+1
        steps = rng.standard_normal((rows.size, dim))
        steps *= jump_std
        for c in range(dim):
            x[a:b, :, c] = np.bincount(flat, weights=steps[:, c], minlength=n * T).reshape(n, T)
        np.cumsum(x[a:b], axis=1, out=x[a:b])
    return x


def _attm(N: int, T: int, alpha: float, rng: np.random.Generator, dim: int = 1,
          gamma: float = ATTM_GAMMA) -> np.ndarray:
    """Annealed transient time model: Brownian segments of random diffusivity.

    Segment lifetimes tau are Mittag-Leffler of index alpha; each segment's diffusivity is
    D = (1 + tau)**(-1/gamma) with gamma = ``ATTM_GAMMA`` (other values only for training
    networks on varied ATTMs; the theory of this library assumes ATTM_GAMMA). Hence
    P(D) ~ D**(sigma-1) for small D and tau ~ D**(-gamma), with alpha = sigma / gamma, the
    model of Massignan et al. (its regime 1 needs gamma < 1 / (1 - alpha)).
    Within a segment, each component moves as Brownian motion with <dx^2> = 2 D dt,
    integrated exactly over each time step; the components share the sequence of D.
    Every admitted alpha terminates: lifetimes are drawn directly. Returns (N, T, dim).
    Reference: Massignan et al., PRL 112, 150603 (2014), doi:10.1103/PhysRevLett.112.150603.
    """
    expected = _expected_renewals(alpha, T)
    x = np.empty((N, T, dim))
    for a, b in _blocks(N, T, max(T * dim, expected)):
        n = b - a
        rows, starts, steps = _renewal_segments(
            lambda size: _mittag_leffler_times(alpha, size, rng), n, T - 1, expected,
            value=lambda tau: np.power(1.0 / (1.0 + tau), 1.0 / gamma),  # D per segment
        )
        var = 2.0 * _unit_integrals(rows, starts, steps, n, T)
        block = x[a:b]
        block[:] = rng.standard_normal((n, T, dim))
        block *= np.sqrt(np.clip(var, 0.0, None))[..., None]
        block[:, 0] = 0.0
        np.cumsum(block, axis=1, out=block)
    return x


def _directions(shape, dim: int, rng: np.random.Generator) -> np.ndarray:
    """Independent isotropic unit vectors, shape ``shape + (dim,)``."""
    if dim == 1:
        return 2.0 * rng.integers(0, 2, size=(*shape, 1)) - 1.0
    u = rng.random((*shape, 2))
    phi = 2.0 * np.pi * u[..., 0]
    if dim == 2:
        return np.stack([np.cos(phi), np.sin(phi)], axis=-1)
    # Archimedes: the height of a uniform point on the sphere is uniform in [-1, 1].
    z = 2.0 * u[..., 1] - 1.0
    r = np.sqrt(1.0 - z * z)
    return np.stack([r * np.cos(phi), r * np.sin(phi), z], axis=-1)


def _levy_walk(N: int, T: int, alpha: float, rng: np.random.Generator, dim: int = 1,
               equilibrium: bool = True) -> np.ndarray:
    """Lévy walk: flights at unit speed in isotropic random directions, flight times ~ tau**(-1-sigma).

    For 1 < alpha < 2, sigma = 3 - alpha and flight times are Pareto (tau >= 1), which have a
    finite mean. With ``equilibrium`` the flight under way at t = 0 has the forward-recurrence
    law, so the velocity is stationary, the TA-MSD is an unbiased estimate of the EA-MSD (the
    course's "ergodic" class) and the MSD has a closed form (:func:`anomdiff.theory.msd` with ``model="lw"``);
    without, the first flight starts at t = 0 (andi-datasets). The two ends are limits:
    alpha = 2 is ballistic (one flight, a straight line in a random direction) and alpha = 1
    the persistent random walk with exponential flight times of mean ``LW_EXPONENTIAL_MEAN``
    = 2, the mean Pareto flight at sigma = 2 (memoryless: always in equilibrium); both avoid
    the logarithmic corrections of sigma = 1 and sigma = 2. Directions of different flights
    are independent, so the MSD (summed over components) is the 1-D law. Returns (N, T, dim).
    Reference: Zaburdaev, Denisov & Klafter, RMP 87, 483 (2015), doi:10.1103/RevModPhys.87.483.
    """
    if alpha == 2.0:
        return _directions((N,), dim, rng)[:, None, :] * np.arange(T, dtype=np.float64)[:, None]
    if alpha == 1.0:
        mean_flight = LW_EXPONENTIAL_MEAN

        def draw(size):
            return rng.exponential(mean_flight, size)
        first = None  # exponential flights are memoryless: already in equilibrium
    else:
        sigma = 3.0 - alpha
        mean_flight = sigma / (sigma - 1.0)

        def draw(size):
            return _pareto_times(sigma, size, rng)

        def first(n):
            # Forward-recurrence density Psi(s) / mean: uniform on (0, 1) with probability
            # 1 / mean, else Pareto of index sigma - 1.
            short = rng.random(n) < 1.0 / mean_flight
            return np.where(short, rng.random(n), _pareto_times(sigma - 1.0, n, rng))

        if not equilibrium:
            first = None
    expected = T / mean_flight
    x = np.empty((N, T, dim))
    for a, b in _blocks(N, T, max(T * dim, expected)):
        n = b - a
        rows, starts, steps = _renewal_segments(
            draw, n, T - 1, expected, first, value=lambda tau: _directions(tau.shape, dim, rng)
        )
        for c in range(dim):
            x[a:b, :, c] = _unit_integrals(rows, starts, steps[:, c], n, T)
        np.cumsum(x[a:b], axis=1, out=x[a:b])
    return x


_SIMULATORS = {"attm": _attm, "ctrw": _ctrw, "fbm": _fbm, "lw": _levy_walk, "sbm": _sbm}
