"""Self-checks for the exercise notebooks: instant, friendly feedback on a learner's answer.

Each ``check_*`` function runs the learner's answer (usually a function) on fresh, seeded
inputs, compares it with the library's own result and prints, in plain words, what is right
or wrong: a wrong shape, the wrong axis, a constant factor, a lag or cut length off by one,
Python loops that are too slow, or ``Correct!``. A check never raises because of the
learner's answer (``None``, a list, a function that raises or is still a
``NotImplementedError`` stub, numbers too large for a float): it reports the problem instead.

Every check prints its verdict and returns a :class:`CheckResult`, which is truthy when the
answer passed, so ``assert check_tamsd(my_tamsd)`` also works.

>>> import anomdiff as ad
>>> from anomdiff.checks import check_eamsd
>>> check_eamsd(ad.eamsd).passed
Correct! Your EA-MSD matches the library's.
True

Speed is judged by measurement, not by interrupting the learner's code: see
:func:`anomdiff._feedback.timed`.

Writing a check: decorate a function with :func:`~anomdiff._feedback.check`; in its body,
run the answer with :func:`~anomdiff._feedback.call`, convert it with
:func:`~anomdiff._feedback.as_array` or :func:`~anomdiff._feedback.as_number`, compare it
with :func:`~anomdiff._feedback.compare` (listing typical wrong answers as
``alternatives``), raise :class:`~anomdiff._feedback.Problem` with the learner's words for
anything else, and return the ``"Correct! ..."`` message. Reference answers are private
(``_name``). No check imports keras: the ML checks only call the network's ``predict``.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, special

from . import theory
from ._feedback import (CheckResult, Problem, as_array, as_number, call, check, compare,
                        describe, mismatch, singular, timed)
from .datasets import add_localization_noise, create_dataset, ergodicity_dataset, normalize
from .displacements import increment_autocorrelation
from .ergodicity import eb
from .estimators import mle_alpha
from .models import ERGODIC_MODELS, MODELS, model_name, simulate
from .msd import eamsd, fit_alpha, fit_loglog, tamsd, teamsd
from .tracks import example_tracks, tracks_from_dataframe, tracks_to_dataframe

__all__ = [
    "CheckResult",
    "check_loglog_slope",
    "check_ea_exponents",
    "check_step_variance",
    "check_no_jump_fraction",
    "check_levy_alpha",
    "check_which_model",
    "check_tamsd",
    "check_tamsd_loop",
    "check_eamsd",
    "check_teamsd",
    "check_fit_alpha",
    "check_fit_window",
    "check_ergodic_guess",
    "check_add_noise",
    "check_noise_offset",
    "check_noise_correction",
    "check_three_parameter_fit",
    "check_wrong_sigma",
    "check_breakdown",
    "check_eb",
    "check_convergence_time",
    "check_eb_brownian",
    "check_ergodicity_report",
    "check_aged_teamsd",
    "check_ergodic_labels",
    "check_prepare_data",
    "check_gradient_steps",
    "check_increment_correlation",
    "check_accuracy",
    "check_group_eb",
    "check_alpha_model",
    "check_classifier",
]


# ------------------------------------------------------------------ shared inputs


def _fbm(N, T, alpha, seed):
    return simulate("fbm", T, alpha, N, rng=seed)


def _offset(x, seed):
    """Shift each trajectory by a random start, so forgetting x_0 shows."""
    rng = np.random.default_rng(seed)
    return x + rng.normal(0.0, 3.0, size=(x.shape[0], 1))


def _stack_hint(axis_advice):
    """An ``explain`` for :func:`call`/:func:`as_array`: per-lag rows of unequal length."""

    def explain(err):
        text = str(err)
        if isinstance(err, ValueError) and any(w in text for w in (
                "same shape", "inhomogeneous", "could not broadcast", "must match exactly",
                "setting an array element with a sequence")):
            return axis_advice
        return None

    return explain


# ------------------------------------------------------------------ chapter 1: models


@check
def check_loglog_slope(func) -> CheckResult:
    """Check a function that returns the least-squares slope of a log-log plot.

    It is tried on an exact power law, then on noisy data.

    Parameters
    ----------
    func : callable
        ``func(t, msd) -> slope``: the least-squares slope of ``log(msd)`` against ``log(t)``
        for 1-D arrays ``t > 0`` and ``msd > 0``.

    Returns
    -------
    CheckResult
        Truthy if ``func`` is right on an exact power law and on noisy data; its message
        (also printed) says what is wrong otherwise.

    See Also
    --------
    check_ea_exponents : exponents of the five models.
    numpy.polyfit : least-squares polynomial fits.

    Examples
    --------
    >>> import numpy as np
    >>> check_loglog_slope(lambda t, m: np.polyfit(np.log(t), np.log(m), 1)[0]).passed
    Correct! Your log-log slope is a least-squares fit.
    True
    """
    t = np.arange(1.0, 201.0)
    exact = 3.0 * t**0.7
    got = as_number(call(func, t.copy(), exact.copy()), "the slope your function returned")
    if not np.isfinite(got):
        raise Problem("Your slope is NaN or infinite. Did a time t = 0 or an MSD of 0 end up "
                      "in a log? (log(0) = -inf.) Fit only t > 0.")
    if np.isclose(got, 1 / 0.7, rtol=1e-4):
        raise Problem("You got 1/alpha: you fitted log(t) against log(MSD). Put log(t) on the "
                      "x axis and log(MSD) on the y axis.")
    if np.isclose(got, np.log(3.0), rtol=1e-4) or np.isclose(got, np.log10(3.0), rtol=1e-4):
        raise Problem("That is the intercept log(K), not the slope. np.polyfit(x, y, 1) "
                      "returns [slope, intercept]: highest power first.")
    if not np.isclose(got, 0.7, rtol=1e-4):
        raise Problem(f"For MSD = 3 t^0.7 your slope is {got:.4g}, expected 0.7. Fit a "
                      "straight line to log(MSD) versus log(t).")
    rng = np.random.default_rng(11)
    noisy = exact * np.exp(rng.normal(0.0, 0.3, t.size))
    expected = np.polyfit(np.log(t), np.log(noisy), 1)[0]
    got = as_number(call(func, t.copy(), noisy.copy()), "the slope your function returned")
    if not np.isclose(got, expected, rtol=1e-4):
        ends = np.log(noisy[-1] / noisy[0]) / np.log(t[-1] / t[0])
        if np.isclose(got, ends, rtol=1e-4):
            raise Problem("On exact data you are right, but on noisy data you used only the "
                          "first and last points. Use a least-squares fit over all points "
                          "(np.polyfit).")
        raise Problem(f"On noisy data your slope is {got:.4g}, a least-squares fit gives "
                      f"{expected:.4g}. Use a least-squares fit over all points (np.polyfit).")
    return "Correct! Your log-log slope is a least-squares fit."


def _theory_slope(model, alpha, t_min, t_max):
    t = np.arange(t_min, t_max + 1)
    return float(np.polyfit(np.log(t), np.log(theory.msd(model, t, alpha)), 1)[0])


@check
def check_ea_exponents(measured, alphas, *, t_min=10, t_max=999, tol=0.1) -> CheckResult:
    """Check measured EA-MSD exponents against the slope of the theoretical MSD laws.

    Each model of the dict is compared with its theoretical exponent.

    Parameters
    ----------
    measured : dict
        ``{model name: exponent}`` measured from simulated EA-MSDs.
    alphas : dict
        ``{model name: alpha}`` used for the simulations.
    t_min, t_max : int
        The fit window; theory's slope is fitted over the same window, so finite-time
        corrections (ATTM, Lévy walk) are included.
    tol : float
        Largest accepted difference from theory's slope.

    Returns
    -------
    CheckResult
        Truthy if every exponent is within ``tol``; the message lists the others.

    See Also
    --------
    anomdiff.theory.msd : the MSD laws.
    anomdiff.eamsd : the EA-MSD.

    Examples
    --------
    >>> check_ea_exponents({"fbm": 0.52}, {"fbm": 0.5}).passed
    Correct! All 1 exponents are within 0.1 of theory.
    True
    """
    if not isinstance(measured, dict):
        raise Problem(f"Expected a dict {{model name: exponent}}, got {describe(measured)}.")
    missing = [m for m in alphas if m not in measured]
    if missing:
        raise Problem(f"Your dict has no exponent for: {', '.join(missing)}. Use the model "
                      f"names {MODELS} as keys.")
    lines = []
    for model, alpha in alphas.items():
        value = as_number(measured[model], f"the exponent for {model!r}")
        slope = _theory_slope(model, alpha, t_min, t_max)
        if not np.isfinite(value):
            lines.append(f"{model}: your exponent is NaN; did t = 0 get into the log?")
        elif abs(value - slope) > tol:
            hint = ""
            if abs(value - slope / 2) <= tol / 2:
                hint = " (about half: did you fit the root-mean-square displacement?)"
            elif abs(value - 2 * slope) <= tol:
                hint = " (about double: did you square the MSD?)"
            lines.append(f"{model} (alpha = {alpha}): you measured {value:.3f}, theory's slope "
                         f"over t = {t_min}..{t_max} is {slope:.3f}{hint}.")
    if lines:
        raise Problem(f"Some exponents are off by more than {tol:.2g}:\n  " + "\n  ".join(lines))
    return f"Correct! All {len(alphas)} exponents are within {tol} of theory."


def _step_variance_sbm(t, alpha):
    # SBM: D(t) ~ t^(alpha-1); the step from t to t+1 has variance (t+1)^alpha - t^alpha,
    # the increment of the EA-MSD t^alpha (independent steps).
    return (t + 1.0) ** alpha - t**alpha


@check
def check_step_variance(func, *, alpha=0.5) -> CheckResult:
    """Check the variance of the step x(t+1) - x(t) of SBM and FBM at given times.

    SBM and FBM are tried at the learner's exponent and at 1.5, from t = 0 to 999.

    Parameters
    ----------
    func : callable
        ``func(model, t, alpha) -> ndarray``: the exact variance of the step from time ``t``
        to ``t + 1`` (``t`` an integer array >= 0) for ``model`` "sbm" or "fbm", both with
        EA-MSD ``t**alpha`` (unit prefactor, as ``ad.simulate``).
    alpha : float
        The exponent tested (and 1.5 as a second case).

    Returns
    -------
    CheckResult
        Truthy if ``func`` is right for both models at both exponents.

    Notes
    -----
    SBM has independent steps, so the step variance is the increment of the MSD,
    :math:`(t+1)^\\alpha - t^\\alpha \\approx \\alpha t^{\\alpha-1}`. FBM has stationary
    increments: every step has variance :math:`1^\\alpha = 1`.

    See Also
    --------
    anomdiff.theory.msd : the MSD laws.
    check_ea_exponents : the EA-MSD exponents.

    Examples
    --------
    >>> import numpy as np
    >>> def var(model, t, alpha):
    ...     t = np.asarray(t, dtype=float)
    ...     return (t + 1) ** alpha - t**alpha if model == "sbm" else np.ones_like(t)
    >>> check_step_variance(var).passed
    Correct! SBM's steps shrink (alpha < 1) or grow (alpha > 1) as (t+1)^alpha - t^alpha; FBM's all have variance 1.
    True
    """
    t = np.array([0, 1, 2, 5, 10, 50, 100, 500, 999])
    for a in (alpha, 1.5):
        for model in ("sbm", "fbm"):
            got = as_array(call(func, model, t.copy(), a), f"your function for {model!r}")
            expected = _step_variance_sbm(t, a) if model == "sbm" else np.ones(t.size)
            alts = [
                (a * np.maximum(t, 1.0) ** (a - 1), "You used the derivative alpha t^(alpha-1): "
                 "close for large t, but the step from t to t+1 has variance exactly "
                 "(t+1)^alpha - t^alpha (the MSD's increment, because SBM's steps are independent)."),
                ((t + 1.0) ** a, "You returned the MSD at t + 1; the variance of one step is the "
                 "difference of the MSD at t + 1 and at t (SBM's steps are independent)."),
                (t ** float(a), "You returned the MSD at time t, not the variance of one step."),
            ]
            if model == "fbm":
                alts = [(_step_variance_sbm(t, a), "That is SBM's answer. FBM's increments are "
                         "stationary: the MSD over one step, 1^alpha = 1, at every t.")] + alts
            else:
                alts = [(np.ones(t.size), "Every SBM step having variance 1 is FBM's answer. SBM's "
                         "diffusivity changes in time: its steps are independent, so their "
                         "variances add up to the MSD t^alpha.")] + alts
            compare(got, expected, name=f"{model.upper()} step variance at alpha = {a}",
                    axes=("times",), alternatives=alts)
    return ("Correct! SBM's steps shrink (alpha < 1) or grow (alpha > 1) as (t+1)^alpha - "
            "t^alpha; FBM's all have variance 1.")


def _no_jump_fraction(t, alpha, tau0=1.0):
    """P(no jump by t): the survival of the first Mittag-Leffler wait, E_alpha(-(t/tau0)^alpha).

    For 0 < alpha < 1 from the integral E_a(-s^a) = int_0^inf exp(-r s) K_a(r) dr with the
    spectral density K_a(r) = sin(pi a) r^(a-1) / (pi (r^(2a) + 2 r^a cos(pi a) + 1))
    (Gorenflo et al., Mittag-Leffler Functions, Springer 2014, doi:10.1007/978-3-662-43930-2),
    stable where the power series cancels catastrophically.
    """
    s = np.asarray(t, dtype=np.float64) / tau0
    if alpha == 1:
        return np.exp(-s)
    sa, ca = np.sin(np.pi * alpha), np.cos(np.pi * alpha)
    k = np.arange(400)
    inv_gamma = special.rgamma(alpha * k + 1)

    def survival(v):
        x = v**alpha
        if x <= 1:  # the power series converges fast and without cancellation here
            return float(np.sum((-x) ** k * inv_gamma))
        # In y = log r the integrand r K(r) exp(-r v) is smooth; K peaks near r = 1 (y = 0).
        def f(y):
            r = np.exp(y)
            ra = r**alpha
            return np.exp(-r * v) * sa / np.pi * ra / (ra * ra + 2 * ra * ca + 1)
        hi = np.log(60.0 / v)
        pts = [p for p in (0.0,) if -60 / alpha < p < hi]
        return integrate.quad(f, -60.0 / alpha, hi, points=pts or None, limit=400)[0]

    return np.array([survival(v) for v in s.ravel()]).reshape(s.shape)


@check
def check_no_jump_fraction(measured, t, alpha, *, N, tau0=1.0) -> CheckResult:
    """Check the measured fraction of CTRW trajectories that have not jumped by time t.

    The fractions come from the learner's simulation; the reference is the Mittag-Leffler law.

    Parameters
    ----------
    measured : array_like
        One fraction per time in ``t``, measured from ``N`` simulated CTRW trajectories
        (a trajectory has not jumped by ``t`` if ``x[:t+1]`` is all zero).
    t : array_like of int
        The times.
    alpha : float
        The CTRW's exponent, 0 < alpha < 1.
    N : int
        Number of simulated trajectories (sets the statistical tolerance).
    tau0 : float
        The waiting-time scale of the simulation (default 1.0, as ``ad.simulate``).

    Returns
    -------
    CheckResult
        Truthy if every fraction lies within 4 binomial standard errors (plus 0.01) of the
        Mittag-Leffler survival :math:`E_\\alpha(-(t/\\tau_0)^\\alpha)`.

    Notes
    -----
    The first wait has survival function :math:`E_\\alpha(-(t/\\tau_0)^\\alpha)`, which decays
    as :math:`(t/\\tau_0)^{-\\alpha}/\\Gamma(1-\\alpha)` for large t: a power law, not an
    exponential, so a fraction of trajectories stays stuck for very long.

    See Also
    --------
    anomdiff.simulate : the CTRW and its option ``tau0``.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("ctrw", 101, 0.5, 4000, rng=1)
    >>> t = [1, 10, 100]
    >>> stuck = [float((abs(x[:, : k + 1]).max(axis=1) == 0).mean()) for k in t]
    >>> check_no_jump_fraction(stuck, t, 0.5, N=4000).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    t = np.asarray(t, dtype=np.float64)
    if measured is None:
        raise Problem("No fractions yet: compute them in the exercise cell above, run it, "
                      "then run this check again.")
    got = as_array(measured, "your fractions")
    expected = _no_jump_fraction(t, alpha, tau0)
    if got.shape != expected.shape:
        raise Problem(f"Give one fraction per time: {t.size} numbers, got shape {got.shape}.")
    if np.any((got < 0) | (got > 1)) or not np.all(np.isfinite(got)):
        raise Problem("Fractions lie between 0 and 1: count trajectories that have not moved "
                      "and divide by the number of trajectories.")
    se = np.sqrt(expected * (1 - expected) / N)
    ok = np.abs(got - expected) <= 4 * se + 0.01
    if np.all(ok):
        return (f"Correct! The fraction that has not jumped follows E_alpha(-(t/tau0)^alpha), "
                f"here {expected[-1]:.2g} at t = {t[-1]:g}: a power-law tail ~ t^-alpha, so "
                "some trajectories stay stuck for a very long time.")
    moved_once = np.abs(got - (1 - expected)) <= 4 * se + 0.01
    if np.all(moved_once):
        raise Problem("Your numbers are the fraction that HAS jumped. Count the trajectories "
                      "whose positions x[0..t] are all still 0.")
    i = int(np.argmax(~ok))
    exp_guess = np.exp(-t[i] / tau0)
    extra = (" That is close to exp(-t/tau0), the exponential waits of Brownian motion: did "
             "you simulate alpha = 1?") if abs(got[i] - exp_guess) < 4 * se[i] + 0.01 else (
             " Check that you compare positions with the start (x[:, :t+1] all equal to 0), "
             "with the same alpha and tau0 as given here.")
    raise Problem(f"At t = {t[i]:g} you measured {got[i]:.3f}, theory says {expected[i]:.3f} "
                  f"(+- {4 * se[i] + 0.01:.3f}).{extra}")


@check
def check_levy_alpha(func) -> CheckResult:
    """Check the Lévy walk's MSD exponent as a function of the flight-time tail exponent mu.

    Tail exponents mu from 0.3 to 1.9 cover the ballistic and the sub-ballistic regime.

    Parameters
    ----------
    func : callable
        ``func(mu) -> alpha`` for flight times with density ``~ tau**-(1 + mu)``,
        0 < mu < 2 (vectorized over an array of mus, or taking one number).

    Returns
    -------
    CheckResult
        Truthy for alpha = 2 (ballistic) for mu <= 1 and alpha = 3 - mu for
        1 < mu < 2.

    Notes
    -----
    The MSD of a Lévy walk with flight-time tail exponent :math:`\\mu` grows as
    :math:`t^2` for :math:`0 < \\mu < 1` and :math:`t^{3-\\mu}` for
    :math:`1 < \\mu < 2` (Zaburdaev, Denisov & Klafter 2015, doi:10.1103/RevModPhys.87.483).

    See Also
    --------
    anomdiff.theory.msd : the Lévy walk's MSD law.

    Examples
    --------
    >>> import numpy as np
    >>> check_levy_alpha(lambda s: np.where(np.asarray(s) <= 1, 2.0, 3 - np.asarray(s))).passed
    Correct! alpha = 3 - mu for 1 < mu < 2, ballistic (alpha = 2) for mu <= 1.
    True
    """
    mus = np.array([0.3, 0.6, 0.9, 1.1, 1.25, 1.5, 1.75, 1.9])
    try:
        got = as_array(call(func, mus.copy()), "your function")
        if got.shape != mus.shape:
            raise Problem("")
    except Problem:
        got = np.array([as_number(call(func, float(s)), f"your alpha for mu = {s}")
                        for s in mus])
    expected = np.where(mus <= 1, 2.0, 3 - mus)
    alts = [(3 - mus, "For mu < 1 the mean flight time is infinite and the walker spends "
             "almost all its time in one ballistic flight: alpha = 2, not 3 - mu (which would "
             "exceed 2, faster than ballistic, impossible at unit speed)."),
            (np.where(mus <= 1, 2.0, 2 - mus), "Off by one: the MSD exponent is 3 - mu "
             "(about t/<tau> flights, each adding a squared length <tau^2> ~ t^(2 - mu) "
             "once the flight times are cut off at t)."),
            (2 - mus, "Off by one: the MSD exponent is 3 - mu (about t/<tau> flights, each "
             "adding a squared length <tau^2> ~ t^(2 - mu) once cut off at t)."),
            (np.where(mus <= 1, 2.0, mus), "You returned mu itself for 1 < mu < 2; "
             "the exponent is 3 - mu.")]
    compare(got, expected, name="alpha", axes=("mus",), alternatives=alts)
    return "Correct! alpha = 3 - mu for 1 < mu < 2, ballistic (alpha = 2) for mu <= 1."


_MECHANISM_HINTS = {
    "sbm": "SBM's diffusivity changes in time: compare the variance of early and late steps "
           "(np.diff along time), which shrinks for alpha < 1.",
    "ctrw": "a CTRW waits between jumps: many of its steps are exactly zero.",
    "fbm": "FBM's steps all have the same variance and are never exactly zero.",
}


@check
def check_which_model(func, *, alpha=0.5) -> CheckResult:
    """Check a function that names the mechanism behind trajectories with the same EA-MSD.

    Nine fresh sets of FBM, SBM and CTRW trajectories are given, in turn.

    Parameters
    ----------
    func : callable
        ``func(trajs) -> "fbm" | "sbm" | "ctrw"`` for an (N, T) set of trajectories of one
        model, all three with EA-MSD ``t**alpha``.
    alpha : float
        The common exponent, 0 < alpha < 1.

    Returns
    -------
    CheckResult
        Truthy if ``func`` names the model of 9 fresh sets (three of each, N = 100, T = 200).

    See Also
    --------
    check_step_variance : how SBM's and FBM's steps differ.
    check_no_jump_fraction : how long CTRW walkers wait.

    Examples
    --------
    >>> import numpy as np
    >>> def which(x):
    ...     d = np.diff(x, axis=1)
    ...     if np.mean(d == 0) > 0.1:
    ...         return "ctrw"
    ...     return "sbm" if d[:, -50:].var() < 0.5 * d[:, :20].var() else "fbm"
    >>> check_which_model(which).passed
    Correct! You told FBM, SBM and CTRW apart in all 9 sets, although their EA-MSDs are the same.
    True
    """
    wrong = []
    for k, model in enumerate(("fbm", "sbm", "ctrw") * 3):
        x = simulate(model, 200, alpha, 100, rng=4000 + k)
        got = call(func, x.copy())
        if not isinstance(got, str) or got.strip().lower() not in ("fbm", "sbm", "ctrw"):
            raise Problem(f"Your function should return one of 'fbm', 'sbm' or 'ctrw', "
                          f"but it returned {got!r}.")
        if got.strip().lower() != model:
            wrong.append((model, got.strip().lower()))
    if wrong:
        lines = sorted({f"a {m.upper()} set was called {g.upper()}: {_MECHANISM_HINTS[m]}"
                        for m, g in wrong})
        raise Problem(f"{len(wrong)} of 9 sets named wrongly:\n  " + "\n  ".join(lines))
    return ("Correct! You told FBM, SBM and CTRW apart in all 9 sets, although their EA-MSDs "
            "are the same.")


# ------------------------------------------------------------------ chapter 2: measuring


_TAMSD_AXIS = ("The TA-MSD averages over time (axis=1) within each trajectory: "
               "(d**2).mean(axis=1) with d = x[:, lag:] - x[:, :-lag], one value per "
               "trajectory and lag. Averaging over axis=0 leaves T - lag values, a different "
               "number at every lag.")


def _tamsd_alternatives(x, lags):
    T = x.shape[1]
    m = tamsd(x, lags)
    sums = m * (T - lags)
    alts = [
        (sums / T, "You divided by T, but the sum over t has T - lag terms: divide by T - lag."),
        (sums / (T - lags - 1), "You divided by T - lag - 1; there are T - lag displacements at each lag: divide by T - lag."),
        (sums / (T - lags + 1), "You divided by T - lag + 1; there are T - lag displacements at each lag: divide by T - lag."),
        (sums, "You returned the sum of squared displacements; divide it by T - lag to get the average."),
        (np.sqrt(m), "You returned the square root: the MSD is the mean of the squared displacements."),
        (m.mean(axis=0), "You averaged over the trajectories: that is the TEA-MSD. Keep one TA-MSD per trajectory (no mean over axis 0)."),
    ]
    if lags.max() + 1 <= T - 1:
        alts.append((tamsd(x, lags + 1), "Your values belong to lag + 1: an off-by-one in the lag (x[:, lag:] - x[:, :-lag] is the displacement over lag steps)."))
    if lags.min() - 1 >= 1:
        alts.append((tamsd(x, lags - 1), "Your values belong to lag - 1: an off-by-one in the lag (x[:, lag:] - x[:, :-lag] is the displacement over lag steps)."))
    return alts


@check
def check_tamsd(func) -> CheckResult:
    """Check a TA-MSD function against :func:`anomdiff.tamsd`, values and speed.

    Lag off-by-ones, swapped axes and means over the wrong axis are named.

    Parameters
    ----------
    func : callable
        ``func(trajs, lags) -> (N, L)``: the time-averaged MSD of every trajectory of an
        (N, T) array at every lag.

    Returns
    -------
    CheckResult
        Truthy if the values match on offset FBM trajectories, a single trajectory keeps
        shape (1, L), and 100 000 short trajectories take at most 30 times the library's time
        (at least 0.5 s allowed), judged by timing growing slices (no interruption).

    See Also
    --------
    anomdiff.tamsd : the reference.
    check_tamsd_loop : one trajectory, one lag.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_tamsd(ad.tamsd).passed
    Correct! Your TA-MSD matches the library's and is vectorized over trajectories.
    True
    """
    x = _offset(_fbm(6, 50, 0.7, 21), 5)
    lags = np.array([2, 3, 5, 10, 20])
    explain = _stack_hint(_TAMSD_AXIS)
    got = as_array(call(func, x.copy(), lags.copy(), explain=explain), explain=explain)
    compare(got, tamsd(x, lags), name="TA-MSD", axes=("trajectories", "lags"),
            alternatives=_tamsd_alternatives(x, lags))
    one = as_array(call(func, x[:1].copy(), lags.copy()))
    if one.shape != (1, lags.size):
        raise Problem(f"With a single trajectory of shape (1, T) your function returns shape "
                      f"{one.shape}; expected (1, {lags.size}). Avoid squeeze().")
    timed(func, tamsd, (_fbm(100_000, 16, 1.0, 3), np.arange(1, 6)), hint=(
        "Loop over the lags only (there are few), and compute each lag for all "
        "trajectories at once: d = x[:, lag:] - x[:, :-lag]; (d**2).mean(axis=1)."))
    return "Correct! Your TA-MSD matches the library's and is vectorized over trajectories."


@check
def check_tamsd_loop(func) -> CheckResult:
    """Check a TA-MSD of ONE trajectory written with a Python loop over the time origins.

    One offset FBM trajectory; the lags 1, 7 and T - 1 include the longest.

    Parameters
    ----------
    func : callable
        ``func(x, lag) -> float``: the TA-MSD of a 1-D trajectory ``x`` at one lag, the mean
        of ``(x[t + lag] - x[t])**2`` over ``t = 0 .. T - lag - 1``.

    Returns
    -------
    CheckResult
        Truthy if it matches ``ad.tamsd`` at lags 1, 7 and T - 1.

    See Also
    --------
    check_tamsd : the vectorized version.
    anomdiff.tamsd : the reference.

    Examples
    --------
    >>> import numpy as np
    >>> def loop(x, lag):
    ...     return sum((x[t + lag] - x[t]) ** 2 for t in range(len(x) - lag)) / (len(x) - lag)
    >>> check_tamsd_loop(loop).passed
    Correct! Your loop gives the library's TA-MSD: the mean over all T - lag time origins.
    True
    """
    x = _offset(_fbm(1, 40, 0.7, 31), 4)[0]
    T = x.size
    for lag in (1, 7, T - 1):
        got = as_number(call(func, x.copy(), lag), f"your TA-MSD at lag {lag}")
        expected = float(tamsd(x, [lag])[0])
        if np.isclose(got, expected, rtol=1e-9):
            continue
        s = expected * (T - lag)
        for wrong, why in ((s / T, "you divided by T; there are T - lag time origins"),
                           (s / max(T - lag - 1, 1), "you divided by T - lag - 1; there are T - lag time origins"),
                           (s, "you returned the sum; divide by the number of time origins, T - lag"),
                           (np.sqrt(expected), "you returned a root: average the squares"),
                           (float(np.mean(((x[lag:] - x[:-lag]) ** 2)[:-1])) if lag < T - 1 else np.nan,
                            "your range(...) misses the last time origin t = T - lag - 1: "
                            "use range(T - lag)"),
                           (float(tamsd(x, [lag + 1])[0]) if lag + 1 < T else np.nan,
                            "your displacement spans lag + 1 steps")):
            if np.isclose(got, wrong, rtol=1e-9):
                raise Problem(f"At lag {lag} you get {got:.6g}, expected {expected:.6g}: {why}.")
        if lag == T - 1:
            raise Problem(f"At the largest lag, T - 1 = {lag}, you get {got:.6g}, expected "
                          f"{expected:.6g} (one time origin). Does your range(...) include "
                          "t = T - lag - 1?")
        raise Problem(f"At lag {lag} you get {got:.6g}, expected {expected:.6g}. Average "
                      "(x[t + lag] - x[t])**2 over t = 0 .. T - lag - 1.")
    return "Correct! Your loop gives the library's TA-MSD: the mean over all T - lag time origins."


@check
def check_eamsd(func) -> CheckResult:
    """Check an EA-MSD function against :func:`anomdiff.eamsd`.

    Trajectories start at random offsets, so forgetting to subtract x_0 shows.

    Parameters
    ----------
    func : callable
        ``func(trajs) -> (T,)``: the mean over trajectories of ``(x_t - x_0)**2`` for an
        (N, T) array.

    Returns
    -------
    CheckResult
        Truthy if the values match on FBM trajectories that start away from 0.

    See Also
    --------
    anomdiff.eamsd : the library's EA-MSD, used as the reference.
    check_teamsd : the time-ensemble average.

    Examples
    --------
    >>> import numpy as np
    >>> check_eamsd(lambda x: np.mean((x - x[:, :1]) ** 2, axis=0)).passed
    Correct! Your EA-MSD matches the library's.
    True
    """
    x = _offset(_fbm(40, 30, 0.7, 22), 6)
    expected = eamsd(x)
    alts = [
        (np.mean(x**2, axis=0), "You averaged x_t**2: subtract each trajectory's start first, (x_t - x_0)**2."),
        (np.mean((x - x[:, :1]) ** 2, axis=1), "You averaged over time (axis=1); the EA-MSD averages over trajectories (axis=0)."),
        (np.mean(x - x[:, :1], axis=0) ** 2, "You squared the mean displacement; average the squared displacements instead."),
        (np.sqrt(expected), "You returned the root-mean-square displacement: drop the square root."),
        (expected[1:], "You dropped t = 0; return all T times, starting with EA-MSD(0) = 0."),
    ]
    got = as_array(call(func, x.copy()))
    compare(got, expected, name="EA-MSD", axes=("times",), alternatives=alts, shapes={
        (x.shape[0],): "You have one value per trajectory: average over axis=0 "
                       "(trajectories), not axis=1 (time)."})
    return "Correct! Your EA-MSD matches the library's."


@check
def check_teamsd(func) -> CheckResult:
    """Check a TEA-MSD function against :func:`anomdiff.teamsd`.

    Returning all TA-MSDs or averaging over the wrong axis is named.

    Parameters
    ----------
    func : callable
        ``func(trajs, lags) -> (L,)``: the mean over trajectories of the TA-MSDs.

    Returns
    -------
    CheckResult
        Truthy if the values match on offset superdiffusive FBM (alpha = 1.3).

    See Also
    --------
    anomdiff.teamsd : the library's version.
    check_tamsd : the TA-MSDs it averages.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_teamsd(ad.teamsd).passed
    Correct! Your TEA-MSD matches the library's.
    True
    """
    x = _offset(_fbm(20, 60, 1.3, 23), 7)
    lags = np.array([1, 2, 4, 8, 16])
    expected = teamsd(x, lags)
    alts = [
        (tamsd(x, lags), "You returned all TA-MSDs; the TEA-MSD is their mean over trajectories (axis=0)."),
        (tamsd(x, lags).mean(axis=1), "You averaged over lags; average over trajectories (axis=0) instead."),
    ] + [(a.mean(axis=0), why) for a, why in _tamsd_alternatives(x, lags) if a.ndim == 2] + [
        (teamsd(x, lags + 1), "Your values belong to lag + 1: an off-by-one in the lag."),
    ]
    explain = _stack_hint(_TAMSD_AXIS + " Then average those over trajectories (axis=0).")
    got = as_array(call(func, x.copy(), lags.copy(), explain=explain), explain=explain)
    compare(got, expected, name="TEA-MSD", axes=("lags",), alternatives=alts)
    return "Correct! Your TEA-MSD matches the library's."


@check
def check_fit_alpha(func) -> CheckResult:
    """Check a per-trajectory exponent fit against :func:`anomdiff.fit_alpha`, values and speed.

    Fitting the TEA-MSD, returning the prefactor or 1/alpha are recognized.

    Parameters
    ----------
    func : callable
        ``func(trajs, lags) -> (N,)``: the slope of a least-squares line through
        ``log(TA-MSD)`` against ``log(lag)``, one per trajectory.

    Returns
    -------
    CheckResult
        Truthy if the exponents match and 50 000 trajectories take at most 30 times the
        library's time (at least 0.5 s allowed).

    See Also
    --------
    anomdiff.fit_alpha : the reference fit.
    check_loglog_slope : one log-log fit.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_fit_alpha(ad.fit_alpha).passed
    Correct! Your exponents match the library's fit, one per trajectory.
    True
    """
    x = _offset(_fbm(8, 200, 0.6, 24), 8)
    lags = np.arange(1, 11)
    expected = fit_alpha(x, lags)
    m = tamsd(x, lags)
    alts = [
        (np.atleast_1d(fit_loglog(lags, teamsd(x, lags))[0]), "You fitted the TEA-MSD (the mean over trajectories): fit each trajectory's own TA-MSD."),
        (fit_loglog(lags, m)[1], "You returned the prefactor K (intercept), not the exponent (slope)."),
        (np.log(fit_loglog(lags, m)[1]), "You returned the intercept log K, not the slope."),
        (1 / expected, "You got 1/alpha: put log(lag) on the x axis and log(TA-MSD) on the y axis."),
    ]
    got = as_array(call(func, x.copy(), lags.copy()), "your function")
    compare(got, expected, name="exponents", axes=("trajectories",), alternatives=alts, shapes={
        (lags.size,): "You returned one number per lag: return one exponent per trajectory."})
    timed(func, fit_alpha, (_fbm(50_000, 16, 1.0, 4), np.arange(1, 6)), hint=(
        "np.polyfit fits many lines at once: np.polyfit(np.log(lags), np.log(m).T, 1)[0] "
        "for m of shape (N, L)."))
    return "Correct! Your exponents match the library's fit, one per trajectory."


def _window_mse(alpha, T, N, seed, max_lag):
    """{(first, last): mean squared error of the fitted exponent} for FBM, all windows."""
    x = simulate("fbm", T, alpha, N, rng=seed)
    lags = np.arange(1, max_lag + 1)
    logm = np.log(tamsd(x, lags))
    out = {}
    for first in range(1, max_lag):
        for last in range(first + 1, max_lag + 1):
            u = np.log(lags[first - 1:last])
            v = logm[:, first - 1:last]
            du = u - u.mean()
            slope = (v - v.mean(axis=1, keepdims=True)) @ du / (du @ du)
            out[(first, last)] = float(np.mean((slope - alpha) ** 2))
    return out


@check
def check_fit_window(window, *, alpha=1.5, T=200) -> CheckResult:
    """Check a fit window (first lag, last lag) chosen to minimise the MSE of FBM exponents.

    The window is scored by the MSE of exponents fitted on fresh FBM.

    Parameters
    ----------
    window : tuple of int
        ``(first, last)``: the TA-MSD is fitted over the lags ``first .. last`` (inclusive),
        ``1 <= first < last <= 30``.
    alpha : float
        FBM exponent of the test.
    T : int
        Trajectory length of the test.

    Returns
    -------
    CheckResult
        Truthy if, on 1000 fresh FBM trajectories, the window's mean squared error of the
        fitted exponent is within 25 % of the best window's (lags up to 30).

    See Also
    --------
    check_fit_alpha : the per-trajectory fit.

    Examples
    --------
    >>> check_fit_window((1, 2)).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    if not isinstance(window, (tuple, list)) or len(window) != 2:
        raise Problem(f"Give the window as a pair (first, last), e.g. (1, 10); got {describe(window)}.")
    first, last = (as_number(v, w) for v, w in zip(window, ("the first lag", "the last lag")))
    if first != int(first) or last != int(last) or not 1 <= first < last <= 30:
        raise Problem(f"The lags must be integers with 1 <= first < last <= 30; got ({first:g}, {last:g}).")
    mse = _window_mse(alpha, T, 1000, 77, 30)
    best_window = min(mse, key=mse.get)
    mine, best = mse[(int(first), int(last))], mse[best_window]
    if mine <= 1.25 * best:
        return (f"Correct! Lags {int(first)}..{int(last)} give a mean squared error "
                f"{mine:.4f}; the best window here, {best_window[0]}..{best_window[1]}, gives {best:.4f}.")
    why = []
    if last > best_window[1] + 2:
        why.append("large lags add little: the TA-MSD there averages few, strongly overlapping "
                   "displacements, so it scatters")
    if first > best_window[0]:
        why.append("the smallest lags have the most displacements to average: leaving them out "
                   "costs precision")
    raise Problem(f"Lags {int(first)}..{int(last)} give a mean squared error {mine:.4f}, "
                  f"{mine / best:.1f} times the best ({best:.4f}, lags {best_window[0]}.."
                  f"{best_window[1]}). " + ("; ".join(why) + "." if why else
                  "Compare more windows on more trajectories."))


_WHY_ERGODIC = {
    "fbm": "FBM's TA-MSDs all follow the EA-MSD closely (stationary increments).",
    "lw": "the Lévy walk (in equilibrium) has TA-MSDs that converge to the EA-MSD.",
    "ctrw": "CTRW's TA-MSDs scatter widely and grow linearly in the lag, while its EA-MSD grows as t^alpha (weak ergodicity breaking).",
    "attm": "ATTM, like CTRW, has scattered TA-MSDs that differ from the EA-MSD.",
    "sbm": "SBM's TA-MSD grows linearly in the lag although its EA-MSD grows as t^alpha.",
}


@check
def check_ergodic_guess(guess) -> CheckResult:
    """Check a guess of which models are ergodic (alpha != 1), judged from TA-MSD plots.

    Keys are model names; a wrong guess gets the reason for that model.

    Parameters
    ----------
    guess : dict
        ``{model name: True or False}``, True meaning that time averages converge to the
        ensemble average (the course's classification: FBM and Lévy walk).

    Returns
    -------
    CheckResult
        Truthy if every guess is right; the message explains each wrong one.

    See Also
    --------
    check_ergodic_labels : the same classification as network labels.

    Examples
    --------
    >>> check_ergodic_guess({"fbm": True}).passed
    Correct! FBM's TA-MSDs all follow the EA-MSD closely (stationary increments).
    True
    """
    if not isinstance(guess, dict) or not guess:
        raise Problem(f"Expected a dict {{model name: True or False}}, got {describe(guess)}.")
    wrong = []
    for key, value in guess.items():
        try:
            name = model_name(key)
        except (TypeError, ValueError):
            raise Problem(f"{key!r} is not a model; use names from {MODELS}.") from None
        if not isinstance(value, (bool, np.bool_)):
            raise Problem(f"The answer for {name!r} should be True or False, got {value!r}.")
        truth = name in ERGODIC_MODELS
        if bool(value) != truth:
            word = "ergodic" if truth else "non-ergodic"
            wrong.append(f"{name} is {word}: {_WHY_ERGODIC[name]}")
    if wrong:
        raise Problem("Look at the plots again:\n  " + "\n  ".join(wrong))
    return "Correct! " + " ".join(
        _WHY_ERGODIC[model_name(k)][0].upper() + _WHY_ERGODIC[model_name(k)][1:] for k in guess)


# ------------------------------------------------------------------ chapter 3: noise


@check
def check_add_noise(func) -> CheckResult:
    """Check a function that adds localization noise to trajectories.

    The input must stay untouched and the noise must not repeat between trajectories.

    Parameters
    ----------
    func : callable
        ``func(trajs, sigma, rng) -> noisy``: a new array with independent Gaussian noise of
        standard deviation ``sigma`` added to every position, drawn from the Generator ``rng``;
        the input stays unchanged.

    Returns
    -------
    CheckResult
        Truthy if the noise is independent, of the right size, and the input is untouched.

    See Also
    --------
    anomdiff.add_localization_noise : the reference.
    check_noise_offset : the TA-MSD offset it causes.

    Examples
    --------
    >>> check_add_noise(lambda x, s, rng: x + rng.normal(0, s, x.shape)).passed
    Correct! Independent Gaussian noise of the right size on every position.
    True
    """
    x = _fbm(400, 200, 1.0, 25)
    sigma = 0.3
    original = x.copy()
    got = as_array(call(func, x, sigma, np.random.default_rng(5)))
    if got.shape != x.shape:
        raise Problem(f"Wrong shape: {got.shape}; the noisy trajectories must have the shape "
                      f"of the input, {x.shape}.")
    if not np.array_equal(x, original):
        raise Problem("You changed the input array in place (x += ...). Return a new array "
                      "(noisy = x + noise) so the clean trajectories stay clean.")
    e = got - original
    std = e.std()
    if np.allclose(e, 0):
        raise Problem("Your output equals the input: no noise was added.")
    if np.allclose(e, e[:1], atol=1e-12):
        raise Problem("Every trajectory got the same noise: draw noise of shape (N, T), not (T,).")
    if e[:, -20:].std() > 2 * e[:, :20].std():
        raise Problem("Your noise grows along the trajectory: localization noise is added to "
                      "each position independently (no cumulative sum).")
    if np.isclose(std, sigma**2, rtol=0.1):
        raise Problem(f"The noise has std {std:.3f} = sigma**2: sigma is the standard "
                      "deviation, not the variance.")
    if not np.isclose(std, sigma, rtol=0.1):
        raise Problem(f"The noise has std {std:.3f}; expected sigma = {sigma}.")
    if abs(np.mean(e[:, 1:] * e[:, :-1]) / std**2) > 0.1:
        raise Problem("Neighbouring noise values are correlated; draw independent noise for "
                      "every position.")
    return "Correct! Independent Gaussian noise of the right size on every position."


@check
def check_noise_offset(func) -> CheckResult:
    """Check the TA-MSD offset that localization noise adds, in any dimension.

    Four (sigma, dim) pairs are tried, from 1 to 3 dimensions.

    Parameters
    ----------
    func : callable
        ``func(sigma, dim) -> offset``: the constant that independent Gaussian noise of
        standard deviation ``sigma`` per coordinate adds to the TA-MSD of a ``dim``-dimensional
        trajectory at every lag >= 1.

    Returns
    -------
    CheckResult
        Truthy for :math:`2 d \\sigma^2`.

    Notes
    -----
    With :math:`y_t = x_t + \\epsilon_t`, :math:`(y_{t+\\Delta} - y_t)^2` has the extra mean
    :math:`\\langle(\\epsilon_{t+\\Delta} - \\epsilon_t)^2\\rangle = 2\\sigma^2` per coordinate
    (cross terms vanish on average); the d coordinates add up.

    See Also
    --------
    check_noise_correction : fitting with the offset removed.
    anomdiff.fit_alpha : its ``sigma`` option.

    Examples
    --------
    >>> check_noise_offset(lambda s, d: 2 * d * s**2).passed
    Correct! Noise adds 2 d sigma^2 to the TA-MSD: sigma^2 from each end of a displacement, for each of the d coordinates.
    True
    """
    cases = [(0.3, 1), (0.5, 2), (1.2, 3), (0.05, 2)]
    for sigma, dim in cases:
        got = as_number(call(func, sigma, dim), f"your offset for sigma = {sigma}, dim = {dim}")
        want = 2 * dim * sigma**2
        if np.isclose(got, want, rtol=1e-9):
            continue
        for wrong, why in ((2 * sigma**2, "you left out the dimension: each of the d coordinates "
                            "adds 2 sigma^2 (squared displacements sum over coordinates)"),
                           (dim * sigma**2, "the noise enters both ends of a displacement, "
                            "y_(t+lag) - y_t: 2 sigma^2 per coordinate, not sigma^2"),
                           (2 * dim * sigma, "sigma is a standard deviation: the offset is a "
                            "variance, 2 d sigma^2"),
                           (4 * dim * sigma**2, "you counted twice: 2 sigma^2 per coordinate")):
            if np.isclose(got, wrong, rtol=1e-9):
                raise Problem(f"For sigma = {sigma}, d = {dim} you get {got:.4g}, expected "
                              f"{want:.4g}: {why}.")
        raise Problem(f"For sigma = {sigma}, d = {dim} you get {got:.4g}, expected {want:.4g}.")
    return ("Correct! Noise adds 2 d sigma^2 to the TA-MSD: sigma^2 from each end of a "
            "displacement, for each of the d coordinates.")


@check
def check_noise_correction(func) -> CheckResult:
    """Check exponents fitted after subtracting the noise offset, against ``ad.fit_alpha(..., sigma=)``.

    Offsets of sigma, 2 sigma, sigma**2 or 4 sigma**2, and added noise, are recognized.

    Parameters
    ----------
    func : callable
        ``func(trajs, lags, sigma) -> (N,)``: for 1-D trajectories, fit the exponent of
        ``TA-MSD - 2 sigma**2`` against the lag, one per trajectory.

    Returns
    -------
    CheckResult
        Truthy if it matches on noisy FBM where every corrected TA-MSD stays positive.

    See Also
    --------
    anomdiff.fit_alpha : the reference, with ``sigma``.
    check_noise_offset : the offset.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_noise_correction(lambda x, lags, s: ad.fit_alpha(x, lags, sigma=s)).passed
    Correct! You subtract 2 sigma^2 from the TA-MSD before fitting.
    True
    """
    sigma = 0.4
    x = add_localization_noise(_fbm(10, 500, 0.8, 26), sigma, rng=9)
    lags = np.arange(1, 11)
    expected = fit_alpha(x, lags, sigma=sigma)
    m = tamsd(x, lags)
    alts = [
        (fit_alpha(x, lags), "You did not correct: subtract 2 sigma**2 from the TA-MSD before the log-log fit."),
        (fit_loglog(lags, m - sigma**2)[0], "You subtracted sigma**2; the noise enters both ends of a displacement, so subtract 2 sigma**2."),
        (fit_loglog(lags, m - 2 * sigma)[0], "You subtracted 2 sigma; subtract 2 sigma**2 (a variance)."),
        (fit_loglog(lags, m - sigma)[0], "You subtracted sigma; subtract 2 sigma**2 (twice the noise variance)."),
        (fit_loglog(lags, m + 2 * sigma**2)[0], "You added 2 sigma**2; subtract it instead."),
        (fit_loglog(lags, m - 4 * sigma**2)[0], "You subtracted 4 sigma**2; the offset is 2 sigma**2."),
    ]
    got = as_array(call(func, x.copy(), lags.copy(), sigma))
    compare(got, expected, name="corrected exponents", axes=("trajectories",), alternatives=alts)
    return "Correct! You subtract 2 sigma^2 from the TA-MSD before fitting."


@check
def check_three_parameter_fit(func) -> CheckResult:
    """Check a fit of ``2 D lag**alpha + 2 sigma**2`` to one TA-MSD curve (sigma unknown).

    Three exact curves, one with noise larger than the signal at short lags.

    Parameters
    ----------
    func : callable
        ``func(lags, msd) -> (alpha, D, sigma)``: least-squares estimates of the exponent,
        the generalized diffusion coefficient and the noise standard deviation from a 1-D
        TA-MSD curve ``msd`` at ``lags``.

    Returns
    -------
    CheckResult
        Truthy if ``func`` recovers the parameters of three exact curves within 2 %.

    Notes
    -----
    In one dimension the TA-MSD of noisy positions is :math:`2 D_\\alpha \\Delta^\\alpha + 2\\sigma^2`
    on average (Michalet 2010, doi:10.1103/PhysRevE.82.041914).

    See Also
    --------
    check_noise_correction : the one-parameter fit, when sigma is known.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.optimize import curve_fit
    >>> def fit3(lags, m):
    ...     f = lambda l, a, D, s: 2 * D * l**a + 2 * s**2
    ...     return tuple(curve_fit(f, lags, m, p0=(1.0, 1.0, 0.1))[0])
    >>> check_three_parameter_fit(fit3).passed
    Correct! Your fit recovers alpha, D and sigma of exact curves.
    True
    """
    lags = np.arange(1, 21, dtype=float)
    for alpha, D, sigma in ((0.6, 0.5, 0.3), (1.3, 1.0, 0.5), (0.4, 0.2, 1.0)):
        m = 2 * D * lags**alpha + 2 * sigma**2
        out = call(func, lags.copy(), m.copy())
        if not isinstance(out, (tuple, list, np.ndarray)) or len(out) != 3:
            raise Problem(f"Return three numbers (alpha, D, sigma); got {describe(out)}.")
        a, d, s = (as_number(v, w) for v, w in zip(out, ("alpha", "D", "sigma")))
        case = f"For the curve 2 D lag^alpha + 2 sigma^2 with alpha = {alpha}, D = {D}, sigma = {sigma}"
        if np.isclose(a, D, rtol=0.02) and np.isclose(d, alpha, rtol=0.02):
            raise Problem(f"{case} you return alpha = {a:.3g}, D = {d:.3g}: swapped? Return (alpha, D, sigma).")
        if not np.isclose(a, alpha, rtol=0.02):
            raise Problem(f"{case} your alpha is {a:.4g}. Fit the TA-MSD itself (not its log: "
                          "the constant 2 sigma^2 does not become a straight line) with all "
                          "three parameters free, e.g. scipy.optimize.curve_fit.")
        if np.isclose(abs(s), sigma**2, rtol=0.02) and not np.isclose(sigma**2, sigma):
            raise Problem(f"{case} your sigma is {s:.4g} = sigma^2: return the standard deviation, the square root.")
        if np.isclose(abs(s), np.sqrt(2) * sigma, rtol=0.02):
            raise Problem(f"{case} your sigma is {s:.4g} = sqrt(2) sigma: the offset is 2 sigma^2, so sigma = sqrt(offset / 2).")
        if not np.isclose(abs(s), sigma, rtol=0.02):
            raise Problem(f"{case} your sigma is {s:.4g}.")
        if np.isclose(d, 2 * D, rtol=0.02):
            raise Problem(f"{case} your D is {d:.4g} = 2 D: the prefactor of lag^alpha is 2 D in one dimension.")
        if not np.isclose(d, D, rtol=0.02):
            raise Problem(f"{case} your D is {d:.4g}.")
    return "Correct! Your fit recovers alpha, D and sigma of exact curves."


def _wrong_sigma_means(factors, *, alpha=0.5, T=200, N=200, sigma=0.5, lags=range(1, 11), seed=0):
    """Reference: mean corrected exponent when correcting with factor * sigma."""
    x = simulate("fbm", T, alpha, N, rng=seed)
    noisy = add_localization_noise(x, sigma, rng=seed + 1)
    lags = np.asarray(list(lags))
    return {f: float(np.nanmean(fit_alpha(noisy, lags, sigma=f * sigma))) for f in factors}


@check
def check_wrong_sigma(means, **protocol) -> CheckResult:
    """Check the mean exponents fitted with a noise correction that uses a wrong sigma.

    The reference repeats the exercise's protocol with the same factors.

    Parameters
    ----------
    means : dict
        ``{factor: mean exponent}``: the mean over trajectories (NaN fits left out) of
        ``ad.fit_alpha(noisy, lags, sigma=factor * sigma)``, for factors such as 0.5, 1, 1.5.
    **protocol
        The settings used: ``alpha``, ``T``, ``N``, ``sigma``, ``lags``, ``seed`` (defaults
        0.5, 200, 200, 0.5, 1..10, 0): FBM simulated with ``rng=seed``, noise added with
        ``ad.add_localization_noise(x, sigma, rng=seed + 1)``.

    Returns
    -------
    CheckResult
        Truthy if every mean is within 0.01 of the reference computed with the same protocol.

    See Also
    --------
    check_noise_correction : the correction with the right sigma.

    Examples
    --------
    >>> import numpy as np, anomdiff as ad
    >>> y = ad.add_localization_noise(ad.simulate("fbm", 200, 0.5, 200, rng=0), 0.5, rng=1)
    >>> means = {f: np.nanmean(ad.fit_alpha(y, np.arange(1, 11), sigma=f * 0.5)) for f in (0.5, 1.5)}
    >>> check_wrong_sigma(means).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    if not isinstance(means, dict) or not means:
        raise Problem(f"Expected a dict {{factor: mean exponent}}, e.g. {{0.5: ..., 1.5: ...}}; got {describe(means)}.")
    factors = [as_number(f, "a factor") for f in means]
    ref = _wrong_sigma_means(factors, **protocol)
    lines = []
    for f, value in zip(factors, means.values()):
        v = as_number(value, f"your mean for factor {f:g}")
        if not np.isfinite(v):
            lines.append(f"factor {f:g}: NaN; use np.nanmean to leave out the NaN fits")
        elif abs(v - ref[f]) > 0.01:
            lines.append(f"factor {f:g}: you have {v:.3f}, the protocol gives {ref[f]:.3f}")
    if lines:
        raise Problem("Some means differ from the protocol's (same seeds?):\n  " + "\n  ".join(lines))
    under = [f for f in factors if f < 1]
    over = [f for f in factors if f > 1]
    text = "Correct! "
    if under:
        text += f"Too small a sigma under-corrects: alpha stays low ({ref[under[0]]:.2f}). "
    if over:
        text += f"Too large a sigma over-corrects: alpha comes out high ({ref[over[-1]]:.2f})."
    return text.strip()


def _breakdown_sigma(sigmas, *, alpha=0.5, T=200, N=200, lags=range(1, 11), tol=0.1, seed=0):
    """Reference answer: the smallest sigma whose corrected fit fails.

    For each sigma (in the given order), FBM trajectories (seeded by ``seed``) get noise of
    that size (seed ``seed + 1 + i``) and are fitted with the correction; "fails" means the
    median absolute error of the finite exponents exceeds ``tol`` or more than 10 % of the
    fits are NaN. Returns NaN if none fails.
    """
    x = simulate("fbm", T, alpha, N, rng=seed)
    lags = np.asarray(list(lags))
    for i, s in enumerate(sigmas):
        noisy = add_localization_noise(x, s, rng=seed + 1 + i)
        a = fit_alpha(noisy, lags, sigma=s)
        ok = np.isfinite(a)
        if ok.mean() < 0.9 or np.median(np.abs(a[ok] - alpha)) > tol:
            return float(s)
    return float("nan")


@check
def check_breakdown(answer, sigmas, **protocol) -> CheckResult:
    """Check the noise level at which the corrected exponent fit breaks down.

    A neighbouring grid value is accepted too.

    Parameters
    ----------
    answer : float
        The learner's breakdown sigma, one of ``sigmas``.
    sigmas : sequence of float
        The grid of noise levels tried, in increasing order.
    **protocol
        The settings used (``alpha``, ``T``, ``N``, ``lags``, ``tol``, ``seed``; defaults
        0.5, 200, 200, 1..10, 0.1, 0): FBM with noise seeded ``seed + 1 + i`` for the i-th
        sigma; "breaks down" means a median absolute error above ``tol`` or more than 10 %
        NaN fits.

    Returns
    -------
    CheckResult
        Truthy for the reference's sigma or a neighbouring grid value (other random draws
        can shift the crossing by one).

    See Also
    --------
    check_noise_correction : the corrected fit.

    Examples
    --------
    >>> check_breakdown(3.0, [0.1, 0.3, 1.0, 3.0], N=50).passed
    Correct! The correction breaks down at sigma = 3.
    True
    """
    value = as_number(answer, "your breakdown sigma")
    try:
        grid = [float(s) for s in sigmas]
    except (TypeError, ValueError, OverflowError):
        raise Problem(f"sigmas should be a list of numbers, got {describe(sigmas)}.") from None
    expected = _breakdown_sigma(grid, **protocol)
    if np.isnan(expected):
        raise Problem("No sigma in your grid breaks the correction; extend the grid to larger sigma.")
    if not np.isclose(value, grid, rtol=1e-9).any():
        raise Problem(f"Your answer {value:g} is not one of the sigmas you tried: {grid}.")
    i, j = int(np.argmin(np.abs(np.array(grid) - value))), grid.index(expected)
    if i == j:
        return f"Correct! The correction breaks down at sigma = {expected:g}."
    if abs(i - j) == 1:
        return (f"Correct, within the statistical scatter: the reference finds sigma = "
                f"{expected:g}, you found {value:g}.")
    direction = "too small" if i < j else "too large"
    raise Problem(f"Your sigma = {value:g} is {direction}: the corrected fit first fails at "
                  f"sigma = {expected:g}. Take the first sigma where the median error exceeds "
                  f"{protocol.get('tol', 0.1)} (or more than 10% of fits are NaN).")


# ------------------------------------------------------------------ chapter 4: ergodicity


def _eb_pair(got, expected_shape):
    """Accept a returned (t, EB) pair; return (array-like, note)."""
    if isinstance(got, tuple) and len(got) == 2:
        try:
            if np.shape(got[1]) == expected_shape:
                return got[1], " (You returned a pair (t, EB); the check used the second item.)"
        except ValueError:  # a ragged second item: judged below as it is
            pass
    return got, ""


@check
def check_eb(func) -> CheckResult:
    """Check an EB(t) function for every cut length against :func:`anomdiff.eb`, values and speed.

    An offset CTRW ensemble at lag 3; speed is judged on long ensembles.

    Parameters
    ----------
    func : callable
        ``func(trajs, lag) -> (T - lag,)``: the ergodicity-breaking parameter
        ``<m^2>/<m>^2 - 1`` of the TA-MSDs ``m`` at ``lag``, for every cut length
        ``t = lag + 1 .. T``. A returned pair ``(t, EB)`` is accepted.

    Returns
    -------
    CheckResult
        Truthy if the values match and long ensembles are handled about as fast as the
        library (timed on growing slices, no interruption).

    See Also
    --------
    anomdiff.eb : the reference.
    anomdiff.theory.eb : EB at finite length in theory.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_eb(lambda x, lag: ad.eb(x, lag)[1]).passed
    Correct! Your EB(t) matches the library's, for every cut length, and it is fast.
    True
    """
    x = _offset(simulate("ctrw", 80, 0.5, 30, rng=27), 9)
    lag = 3
    _, expected = eb(x, lag)
    N = x.shape[0]
    s = np.cumsum((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
    m = s / np.arange(1, s.shape[1] + 1)
    alts = [
        (expected + 1, "You forgot the - 1: EB = <m^2> / <m>^2 - 1."),
        (expected * N / (N - 1), "You used the sample variance with ddof=1; the definition uses plain averages: <m^2> - <m>^2 (ddof=0)."),
        (m.var(axis=0) / m.mean(axis=0), "You divided the variance by <m> instead of <m>^2."),
        (np.sqrt(np.maximum(expected, 0)), "You took a square root: EB is a ratio of variances, no root."),
    ]
    got, note = _eb_pair(call(func, x.copy(), lag), expected.shape)
    got = as_array(got)
    msg = mismatch(got, expected, name="EB(t)", axes=("cut lengths",), alternatives=alts, shapes={
        (N,): "One value per trajectory: EB averages over trajectories (axis=0)."})
    if msg:
        if got.ndim == 0 or got.size == 1:
            msg = (f"Wrong shape: your EB(t) has shape {got.shape}, expected {expected.shape}. "
                   "You returned one number: return EB for every cut length t = lag+1 .. T.")
        raise Problem(msg + note)
    hint = ("One cumulative sum along time gives the TA-MSDs for every cut length at once: "
            "np.cumsum(d**2, axis=1) with d = x[:, lag:] - x[:, :-lag].")
    timed(func, eb, (simulate("ctrw", 3000, 0.5, 1000, rng=5), 1), hint=hint)
    timed(func, eb, (simulate("fbm", 20, 0.5, 50_000, rng=6), 1), axis=1, smallest=20, hint=hint)
    return "Correct! Your EB(t) matches the library's, for every cut length, and it is fast." + note


def _convergence_time(t, eb_values, eb_limit, tol=0.05):
    """Reference: extrapolate EB(t) - limit ~ C t**(-g) to tol * limit.

    Fits log(EB - limit) against log(t) by least squares over the points where EB > limit
    and returns the t where the fitted excess equals ``tol * eb_limit``.
    """
    t = np.asarray(t, dtype=np.float64)
    excess = np.asarray(eb_values, dtype=np.float64) - eb_limit
    ok = excess > 0
    g, c = np.polyfit(np.log(t[ok]), np.log(excess[ok]), 1)
    return float(np.exp((np.log(tol * eb_limit) - c) / g))


@check
def check_convergence_time(func) -> CheckResult:
    """Check a function that extrapolates when EB(t) comes within a tolerance of its limit.

    Tried on an exact power-law excess over the limit, then on a noisy one.

    Parameters
    ----------
    func : callable
        ``func(t, eb_values, eb_limit, tol) -> t_star``: fit a power law to the excess
        ``EB(t) - eb_limit`` and return the t where it equals ``tol * eb_limit``.

    Returns
    -------
    CheckResult
        Truthy if it is right on an exact and on a noisy power-law excess.

    See Also
    --------
    check_eb : EB(t) itself.
    anomdiff.theory.eb_ctrw : the CTRW limit.

    Examples
    --------
    >>> import numpy as np
    >>> def t_star(t, e, lim, tol=0.05):
    ...     g, c = np.polyfit(np.log(t), np.log(e - lim), 1)
    ...     return float(np.exp((np.log(tol * lim) - c) / g))
    >>> check_convergence_time(t_star).passed
    Correct! You extrapolate the power-law approach of EB to its limit.
    True
    """
    t = np.geomspace(10, 1000, 30)
    limit = 0.5708
    excess = 2.0 * t**-0.4
    answer = (0.05 * limit / 2.0) ** (1 / -0.4)
    got = as_number(call(func, t.copy(), limit + excess, limit, 0.05), "the time your function returned")
    if not np.isfinite(got):
        raise Problem("Your function returned NaN or inf. The data never reach the 5% band "
                      "here: fit a power law to the excess EB(t) - limit and extrapolate.")
    if np.isclose(got, (0.05 / 2.0) ** (1 / -0.4), rtol=1e-3):
        raise Problem("You used an absolute band of 0.05; 5% of the limit means |EB - limit| < 0.05 * limit.")
    if got <= t[-1]:
        raise Problem(f"You returned {got:.4g}, inside the data (t <= {t[-1]:.0f}), where EB is "
                      "still far from the limit: extrapolate the fitted power law beyond the data.")
    if not np.isclose(got, answer, rtol=1e-3):
        raise Problem(f"For EB(t) - limit = 2 t^-0.4 and limit 0.5708 the excess reaches 5% of "
                      f"the limit at t = {answer:.4g}; you returned {got:.4g}.")
    rng = np.random.default_rng(12)
    noisy = limit + excess * np.exp(rng.normal(0, 0.2, t.size))
    ref = _convergence_time(t, noisy, limit, 0.05)
    got = as_number(call(func, t.copy(), noisy, limit, 0.05), "the time your function returned")
    if not np.isclose(got, ref, rtol=0.02):
        raise Problem(f"On noisy data you get {got:.4g}, a least-squares power-law fit of the "
                      f"excess gives {ref:.4g}: fit all points, not just two.")
    return "Correct! You extrapolate the power-law approach of EB to its limit."


# ------------------------------------------------------------------ chapters 5-6: ML


def _ergodic_reference(models, alphas):
    """The course's labels: 1 if the model is FBM or LW, or alpha == 1 (Brownian-like)."""
    erg = np.isin(np.asarray(models).astype(int), [MODELS.index(m) for m in ERGODIC_MODELS])
    return (erg | np.isclose(np.asarray(alphas, dtype=float), 1.0)).astype(np.int64)


@check
def check_ergodic_labels(func) -> CheckResult:
    """Check a function that labels trajectories ergodic (1) or not (0).

    Labels come from model indices and exponents, with alpha = 1 cases included.

    Parameters
    ----------
    func : callable
        ``func(model_labels, alphas) -> labels``: 1 for FBM and Lévy walk, and for every model
        at alpha = 1 (Brownian-like, ergodic); 0 for ATTM, CTRW and SBM at alpha != 1.
        ``model_labels`` are indices into ``ad.MODELS`` (column 0 of a dataset), ``alphas``
        the exponents (column 1).

    Returns
    -------
    CheckResult
        Truthy if every label is right.

    See Also
    --------
    anomdiff.ergodic_labels : the reference.
    check_classifier : a classifier trained with them.

    Examples
    --------
    >>> import numpy as np
    >>> def labels(m, a):
    ...     return (np.isin(m, [2, 3]) | (np.asarray(a) == 1)).astype(int)
    >>> check_ergodic_labels(labels).passed
    Correct! 1 for FBM and LW and for every model at alpha = 1; 0 for ATTM, CTRW and SBM otherwise.
    True
    """
    rng = np.random.default_rng(28)
    labels = rng.integers(0, 5, 200).astype(np.float64)
    labels[:5] = np.arange(5)
    alphas = np.round(rng.choice([0.3, 0.5, 0.8, 1.0, 1.2, 1.6], 200), 1)
    alphas[5:10] = 1.0
    expected = _ergodic_reference(labels, alphas)
    got = as_array(call(func, labels.copy(), alphas.copy()))
    if got.ndim == 2 and got.shape[1] == 1:
        got = got[:, 0]
    if got.shape != expected.shape:
        raise Problem(f"Wrong shape: {got.shape}; expected one label per trajectory, {expected.shape}.")
    if np.all(got == 0):
        raise Problem(f"Every label is 0 (non-ergodic). Then the network can score "
                      f"{np.mean(expected == 0):.0%} by always answering 'non-ergodic' and "
                      "learns nothing. FBM and LW trajectories must get 1.")
    if np.array_equal(got, 1 - expected):
        raise Problem("Your labels are swapped: 1 must mean ergodic (FBM, LW, any model at "
                      "alpha = 1), 0 non-ergodic.")
    if not np.all(np.isin(got, [0, 1])):
        raise Problem("Labels must be 0 or 1 (1 = ergodic).")
    wrong = got != expected
    at_one = np.isclose(alphas, 1.0)
    if np.any(wrong & at_one) and not np.any(wrong & ~at_one):
        raise Problem("Right for alpha != 1, but at alpha = 1 every model is Brownian-like "
                      "(SBM is Brownian motion; CTRW and ATTM have finite mean waiting times) "
                      "and ergodic: label them 1.")
    names = sorted({MODELS[int(m)] for m in labels[wrong & ~at_one]})
    if names:
        raise Problem("Wrong label for these models (at alpha != 1): " + ", ".join(
            f"{m} should be {int(m in ERGODIC_MODELS)}" for m in names) + ".")
    return ("Correct! 1 for FBM and LW and for every model at alpha = 1; 0 for ATTM, CTRW "
            "and SBM otherwise.")


@check
def check_prepare_data(func) -> CheckResult:
    """Check a function that turns a dataset into network inputs and targets.

    The dataset mixes FBM and SBM at three exponents, in shuffled order.

    Parameters
    ----------
    func : callable
        ``func(dataset, n_train) -> (x_train, y_train, x_val, y_val)``: the first ``n_train``
        rows train, the rest validate; inputs are the normalized positions
        (:func:`anomdiff.normalize`) of shape (n, T, 1), targets the exponents (column 1).

    Returns
    -------
    CheckResult
        Truthy if all four arrays are right; catches the tutorial's bug (the validation set
        reshaped with the training count).

    See Also
    --------
    check_alpha_model : a network trained on the prepared data.
    anomdiff.normalize : the normalization.

    Examples
    --------
    >>> import anomdiff as ad
    >>> def prep(d, n):
    ...     x = ad.normalize(d[:, 2:])[..., None]
    ...     return x[:n], d[:n, 1], x[n:], d[n:, 1]
    >>> check_prepare_data(prep).passed
    Correct! Inputs (n, T, 1) normalized, targets aligned, each set reshaped with its own count.
    True
    """
    T = 30
    data = create_dataset(T, 7, [0.4, 0.9, 1.4], ["fbm", "sbm"], rng=29)
    data = data[np.random.default_rng(1).permutation(len(data))]
    n_train = 30
    n_val = len(data) - n_train

    def explain(err):
        if "reshape" in str(err):
            return ("A reshape count is wrong: the training set has n_train rows, the "
                    "validation set len(dataset) - n_train; use each set's own count (or -1).")
        return None

    out = call(func, data.copy(), n_train, explain=explain)
    if not isinstance(out, (tuple, list)) or len(out) != 4:
        raise Problem(f"Return four arrays (x_train, y_train, x_val, y_val); got {describe(out)}.")
    names = ("x_train", "y_train", "x_val", "y_val")
    arrays = [as_array(v, f"your {n}") for n, v in zip(names, out)]
    x = normalize(data[:, 2:])[..., None]
    expected = [x[:n_train], data[:n_train, 1], x[n_train:], data[n_train:, 1]]
    for name, got, want in zip(names, arrays, expected):
        if name.startswith("y") and got.ndim == 2 and got.shape[1] == 1:
            got = got[:, 0]
        if got.shape != want.shape:
            msg = f"{name} has shape {got.shape}, expected {want.shape}."
            if name == "x_val" and got.size == want.size:
                msg += (" Same number of values, wrong layout: the validation rows are mixed up. "
                        f"Reshape with the validation count ({n_val} rows), e.g. reshape(-1, T, 1).")
            elif name == "x_val" and got.shape[0] == n_train:
                msg += " You reshaped the validation set with the training count (the tutorial's bug)."
            elif name.startswith("x") and got.ndim == 3 and got.shape[1] == T + 2:
                msg += " The positions start at column 2; columns 0 and 1 are the model label and the exponent."
            elif name.startswith("x") and got.ndim == 2:
                msg += " Add the channel axis: x.reshape(n, T, 1) (or x[..., None])."
            raise Problem(msg)
        if np.allclose(got, want, rtol=1e-4, atol=1e-4):
            continue
        if name.startswith("x"):
            raw = data[:n_train, 2:] if name == "x_train" else data[n_train:, 2:]
            if np.allclose(got[..., 0], raw, rtol=1e-4, atol=1e-4):
                raise Problem(f"{name} holds the raw positions: normalize them with ad.normalize first.")
            rows = got[..., 0]
            whole = [np.isclose(rows[i], x[:, :, 0], atol=1e-4).all(axis=1).any() for i in range(len(rows))]
            if not all(whole):
                raise Problem(f"Rows of {name} are not whole trajectories: the values were "
                              f"reshaped with a wrong count. Each set needs its own count "
                              f"({n_train} training, {n_val} validation rows).")
            raise Problem(f"{name} holds the wrong trajectories: training is the first n_train rows, validation the rest.")
        if np.allclose(got, data[:n_train, 0] if name == "y_train" else data[n_train:, 0]):
            raise Problem(f"{name} holds the model labels (column 0); the exponents are column 1.")
        raise Problem(f"{name} does not match the exponents (column 1) of the same rows.")
    return "Correct! Inputs (n, T, 1) normalized, targets aligned, each set reshaped with its own count."


@check
def check_gradient_steps(func) -> CheckResult:
    """Check a function that counts the gradient steps of a training run (its budget).

    Four (n_train, epochs, batch_size) cases, with and without a partial last batch.

    Parameters
    ----------
    func : callable
        ``func(n_train, epochs, batch_size) -> int``: the number of weight updates when
        ``epochs`` passes are made over ``n_train`` trajectories in batches of
        ``batch_size`` (the last batch of an epoch may be smaller).

    Returns
    -------
    CheckResult
        Truthy for ``epochs * ceil(n_train / batch_size)``.

    See Also
    --------
    check_alpha_model : a trained network.

    Examples
    --------
    >>> import math
    >>> check_gradient_steps(lambda n, e, b: e * math.ceil(n / b)).passed
    Correct! epochs x ceil(n_train / batch_size) updates: compare training runs at equal numbers of steps.
    True
    """
    for n, e, b in ((3040, 10, 128), (1000, 3, 32), (64, 5, 64), (100, 1, 128)):
        got = as_number(call(func, n, e, b), f"your count for n_train = {n}, epochs = {e}, batch_size = {b}")
        want = e * -(-n // b)
        if got == want:
            continue
        if np.isclose(got, e * n / b):
            raise Problem(f"For n_train = {n}, epochs = {e}, batch_size = {b} you get {got:g}: "
                          "the number of batches is a whole number, and the last, smaller "
                          f"batch counts too: ceil({n} / {b}) per epoch, {want} in all.")
        if got == e * (n // b):
            raise Problem(f"For n_train = {n}, batch_size = {b} you dropped the last, smaller "
                          f"batch: Keras makes ceil(n / batch) = {-(-n // b)} updates per epoch.")
        if got == -(-n // b):
            raise Problem("You counted one epoch: multiply by the number of epochs.")
        if got == e * n:
            raise Problem("You counted trajectories, not updates: one update per batch.")
        raise Problem(f"For n_train = {n}, epochs = {e}, batch_size = {b} you get {got:g}, expected {want}.")
    return ("Correct! epochs x ceil(n_train / batch_size) updates: compare training runs at "
            "equal numbers of steps.")


def _increment_correlation(x):
    d = np.diff(x, axis=1)
    return np.mean(d[:, 1:] * d[:, :-1], axis=1) / np.mean(d**2, axis=1)


@check
def check_increment_correlation(func) -> CheckResult:
    """Check the lag-1 correlation coefficient of the increments, one per trajectory.

    Returning the covariance (no division by the mean square increment) is recognized.

    Parameters
    ----------
    func : callable
        ``func(trajs) -> (N,)``: for each trajectory of an (N, T) array, with increments
        ``d_t = x_{t+1} - x_t``, the ratio ``mean(d_t d_{t+1}) / mean(d_t**2)``.

    Returns
    -------
    CheckResult
        Truthy if the values match on FBM trajectories.

    Notes
    -----
    For FBM the lag-1 correlation of the increments is :math:`2^{\\alpha-1} - 1` (Mandelbrot &
    Van Ness 1968, doi:10.1137/1010093): negative for subdiffusion, zero at
    :math:`\\alpha = 1`, positive for superdiffusion. SBM's increments are independent at every
    :math:`\\alpha`.

    See Also
    --------
    check_step_variance : SBM's steps against FBM's.

    Examples
    --------
    >>> import numpy as np
    >>> def rho(x):
    ...     d = np.diff(x, axis=1)
    ...     return np.mean(d[:, 1:] * d[:, :-1], axis=1) / np.mean(d**2, axis=1)
    >>> check_increment_correlation(rho).passed
    Correct! Your lag-1 increment correlations match, one per trajectory.
    True
    """
    x = _offset(_fbm(12, 100, 1.4, 33), 3)
    expected = _increment_correlation(x)
    d = np.diff(x, axis=1)
    alts = [
        (np.mean(d[:, 1:] * d[:, :-1], axis=1), "You returned the covariance: divide by the mean square increment, mean(d**2)."),
        (_increment_correlation(np.diff(x, axis=1)), "You used the increments of the increments: d = np.diff(x, axis=1) once."),
        (np.mean(x[:, 1:] * x[:, :-1], axis=1) / np.mean(x**2, axis=1), "You correlated the positions; correlate the increments d = np.diff(x, axis=1)."),
        (np.array([np.corrcoef(r[1:], r[:-1])[0, 1] for r in d]), "np.corrcoef subtracts the means and uses separate variances; use mean(d_t d_{t+1}) / mean(d_t**2) as defined."),
    ]
    got = as_array(call(func, x.copy()))
    compare(got, expected, name="correlations", axes=("trajectories",), alternatives=alts, shapes={
        (): "You returned one number: give one value per trajectory (average over axis=1, time)."})
    return "Correct! Your lag-1 increment correlations match, one per trajectory."


@check
def check_accuracy(func) -> CheckResult:
    """Check a function that computes the accuracy of a binary classifier.

    Probabilities exactly at 0.5 count as class 1.

    Parameters
    ----------
    func : callable
        ``func(y_true, prob) -> float``: the fraction of trajectories whose predicted class,
        1 if ``prob >= 0.5`` else 0, equals the label ``y_true`` (0 or 1). ``prob`` may
        have shape (n,) or (n, 1), as ``model.predict`` returns.

    Returns
    -------
    CheckResult
        Truthy if the fractions are right for both shapes of ``prob``.

    See Also
    --------
    check_classifier : a trained classifier.

    Examples
    --------
    >>> import numpy as np
    >>> acc = lambda y, p: float(np.mean((np.ravel(p) >= 0.5) == np.ravel(y)))
    >>> check_accuracy(acc).passed
    Correct! The fraction of right answers at the threshold 0.5, for predictions of shape (n,) or (n, 1).
    True
    """
    rng = np.random.default_rng(41)
    y = rng.integers(0, 2, 50)
    prob = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.25, 50), 0, 1)
    prob[:3] = 0.5  # on the threshold: counts as 1
    want = float(np.mean((prob >= 0.5) == y))
    for p, shape in ((prob, "(n,)"), (prob[:, None], "(n, 1)")):
        got = as_number(call(func, y.copy(), p.copy()), f"your accuracy for predictions of shape {shape}")
        if np.isclose(got, want):
            continue
        if np.isclose(got, 100 * want):
            raise Problem("Give the accuracy as a fraction between 0 and 1, not in percent.")
        if np.isclose(got, want * len(y)):
            raise Problem("You returned the number of right answers; divide by the number of trajectories.")
        if np.isclose(got, np.mean((prob > 0.5) == y)):
            raise Problem("A probability of exactly 0.5 counts as class 1 here (prob >= 0.5), as in Keras.")
        if shape == "(n, 1)" and np.isclose(got, np.mean((prob[:, None] >= 0.5) == y)):
            raise Problem("With predictions of shape (n, 1) and labels of shape (n,), the comparison "
                          "broadcasts to an (n, n) table: flatten first (np.ravel(prob) or prob[:, 0]).")
        if np.isclose(got, np.mean(prob == y)):
            raise Problem("Threshold the probabilities first: class = prob >= 0.5.")
        raise Problem(f"For predictions of shape {shape} you get {got:.4g}, expected {want:.4g}.")
    return ("Correct! The fraction of right answers at the threshold 0.5, for predictions of "
            "shape (n,) or (n, 1).")


@check
def check_group_eb(func) -> CheckResult:
    """Check the EB of a whole group of trajectories at their full length.

    A CTRW group (weak ergodicity breaking) and an FBM group are tried.

    Parameters
    ----------
    func : callable
        ``func(group, lag) -> float``: for an (n, T) group, with ``m`` the TA-MSDs of its
        trajectories at ``lag``, ``EB = <m^2> / <m>^2 - 1`` (plain means over the group).

    Returns
    -------
    CheckResult
        Truthy if it matches ``ad.eb(group, lag)`` at the full length.

    See Also
    --------
    check_eb : EB for every cut length.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_group_eb(lambda g, lag: ad.eb(g, lag)[1][-1]).passed
    Correct! Your EB matches ad.eb at the full length.
    True
    """
    for model, alpha, seed in (("ctrw", 0.5, 51), ("fbm", 0.7, 52)):
        g = simulate(model, 100, alpha, 20, rng=seed)
        lag = 1
        m = tamsd(g, [lag])[:, 0]
        want = float(eb(g, lag)[1][-1])
        got = as_number(call(func, g.copy(), lag), "your EB")
        if np.isclose(got, want, rtol=1e-6, atol=1e-12):
            continue
        n = len(m)
        for wrong, why in ((want + 1, "you forgot the - 1: EB = <m^2> / <m>^2 - 1"),
                           (want * n / (n - 1), "you used the sample variance (ddof=1); use plain means"),
                           (float(np.std(m) / np.mean(m)), "you returned std/mean; EB is the variance over the squared mean"),
                           (float(m.var() / m.mean()), "you divided by <m>, not <m>^2")):
            if np.isclose(got, wrong, rtol=1e-6):
                raise Problem(f"For a {model.upper()} group you get {got:.4g}, expected {want:.4g}: {why}.")
        raise Problem(f"For a {model.upper()} group you get {got:.4g}, expected {want:.4g}. "
                      "Compute the TA-MSD m of each trajectory at the lag, then <m^2> / <m>^2 - 1.")
    return "Correct! Your EB matches ad.eb at the full length."


def _predict_vector(model, x, what="your network"):
    """Run a keras model (``predict``) or a plain function on x; one finite number per row."""
    if model is None:
        raise Problem("You passed None instead of your trained network.")
    predict = getattr(model, "predict", None)
    if callable(predict):
        def run(x):
            return predict(x, verbose=0)
    elif callable(model):
        run = model
    else:
        raise Problem(f"Expected a trained keras model, got {describe(model)}.")
    got = as_array(call(run, x, what=what), what)
    if got.ndim == 2 and got.shape[1] == 1:
        got = got[:, 0]
    if got.shape != (x.shape[0],):
        raise Problem(f"{what[0].upper() + what[1:]} gave shape {got.shape}; expected one "
                      f"number per trajectory, ({x.shape[0]},) or ({x.shape[0]}, 1).")
    if not np.all(np.isfinite(got)):
        raise Problem(f"{what[0].upper() + what[1:]} gave NaN or infinite values: the training "
                      "diverged; lower the learning rate.")
    return got


def _network_input(x):
    from .ml import network_input  # lazy: only the ML exercises' checks load Keras

    return network_input(x)


def _mobile(data):
    """Rows of a dataset whose trajectory moves: an immobile one carries no information
    (a CTRW at small alpha may not jump at all) and normalizes to NaN."""
    x = data[:, 2:]
    return data[np.any(x[:, 1:] != x[:, :1], axis=1)]


def _heldout_alpha(T, n_per_alpha=40, seed=2024):
    """Held-out FBM set of :func:`check_alpha_model`: (normalized x (n, T, 1), alpha (n,))."""
    data = _mobile(create_dataset(T, n_per_alpha, np.round(np.arange(0.15, 1.9, 0.1), 2), "fbm", rng=seed))
    return _network_input(data[:, 2:]), data[:, 1]


@check
def check_alpha_model(model, *, T, target_mae) -> CheckResult:
    """Evaluate a trained exponent regressor on a fresh held-out FBM set against a target MAE.

    Only the network's predict is called; a constant prediction is reported.

    Parameters
    ----------
    model : keras.Model or callable
        A network with ``predict(x, verbose=0)``, or a function ``x -> alpha``; ``x`` holds
        normalized positions of shape (n, T, 1).
    T : int
        Trajectory length the network reads.
    target_mae : float
        The mean absolute error to beat.

    Returns
    -------
    CheckResult
        Truthy if the held-out MAE (FBM, exponents 0.15..1.85, its own seed) is below
        ``target_mae``.

    See Also
    --------
    check_prepare_data : inputs and targets.

    Examples
    --------
    >>> import numpy as np, anomdiff as ad
    >>> fit = lambda x: ad.fit_alpha(x[..., 0], np.arange(1, 6))
    >>> check_alpha_model(fit, T=100, target_mae=0.5).passed  # doctest: +ELLIPSIS
    Correct! Held-out MAE ... beats the target 0.5.
    True
    """
    x, alpha = _heldout_alpha(T)
    pred = _predict_vector(model, x)
    mae = float(np.mean(np.abs(pred - alpha)))
    if pred.std() < 0.05:
        raise Problem(f"Your network predicts almost the same exponent ({pred.mean():.2f}) for "
                      f"every trajectory (MAE {mae:.3f}): it has not learned. Check that the "
                      "targets are the exponents and that inputs and targets stay aligned.")
    if mae >= target_mae:
        raise Problem(f"Held-out MAE {mae:.3f} does not beat the target {target_mae}. Try "
                      "increments instead of positions, dilated convolutions, global pooling, "
                      "or a few more epochs.")
    return f"Correct! Held-out MAE {mae:.3f} beats the target {target_mae}."


def _heldout_ergodic(T, n_per_pair=6, seed=2025):
    """Held-out set of :func:`check_classifier`: (normalized x, 0/1 labels, model labels)."""
    data = _mobile(ergodicity_dataset(T, n_per_pair, rng=seed))
    return (_network_input(data[:, 2:]), _ergodic_reference(data[:, 0], data[:, 1]),
            data[:, 0].astype(int))


@check
def check_classifier(model, *, T, target_accuracy) -> CheckResult:
    """Evaluate an ergodic (1) / non-ergodic (0) classifier on a fresh balanced held-out set.

    A classifier that answers one class for everything is reported as such.

    Parameters
    ----------
    model : keras.Model or callable
        A network with ``predict(x, verbose=0)`` giving the probability of "ergodic", or a
        function ``x -> probability``; ``x`` holds normalized positions (n, T, 1).
    T : int
        Trajectory length the network reads.
    target_accuracy : float
        The accuracy to reach (fraction, e.g. 0.8).

    Returns
    -------
    CheckResult
        Truthy if the held-out accuracy (threshold 0.5) reaches ``target_accuracy``.

    See Also
    --------
    check_ergodic_labels : the labels.

    Examples
    --------
    >>> check_classifier(lambda x: x[:, 0, 0] * 0, T=50, target_accuracy=0.8).passed  # doctest: +ELLIPSIS
    Not yet. Your network answers non-ergodic for every trajectory ...
    False
    """
    x, y, models = _heldout_ergodic(T)
    prob = _predict_vector(model, x)
    pred = (prob >= 0.5).astype(int)
    acc = float(np.mean(pred == y))
    if np.all(pred == pred[0]):
        raise Problem(f"Your network answers {'ergodic' if pred[0] else 'non-ergodic'} for every "
                      f"trajectory (accuracy {acc:.0%}, chance level). Check the labels: are "
                      "they all 0? FBM and LW must be 1.")
    if acc < 0.4:
        raise Problem(f"Accuracy {acc:.0%}, worse than chance: are your labels swapped (1 must mean ergodic)?")
    if acc < target_accuracy:
        per = ", ".join(f"{MODELS[k]} {np.mean(pred[models == k] == y[models == k]):.0%}"
                        for k in np.unique(models))
        raise Problem(f"Held-out accuracy {acc:.1%} is below the target {target_accuracy:.0%} "
                      f"(per model: {per}). Train longer or improve the network.")
    return f"Correct! Held-out accuracy {acc:.1%} beats the target {target_accuracy:.0%}."


# ------------------------------------------------------------------ chapter 7: your own data


__all__ += ["check_tracks_array", "check_tamsd_gaps", "check_sigma_covariance",
            "check_sigma_intercept", "check_real_tracks"]


def _ragged_tracks(N, T, *, alpha=1.0, sigma=0.0, gap_rate=0.1, min_length=3, dim=2, seed=0):
    """NaN-padded (N, T, dim) FBM tracks (rms step 1 per coordinate) of random lengths with
    missed frames and localization noise ``sigma``; the first point of each track is kept."""
    rng = np.random.default_rng(seed)
    x = simulate("fbm", T, alpha, N, dim=dim, rng=rng)
    if sigma:
        x = add_localization_noise(x, sigma, rng=rng)
    lengths = rng.integers(min_length, T + 1, N)
    missing = (rng.random((N, T)) < gap_rate) | (np.arange(T) >= lengths[:, None])
    missing[:, 0] = False
    x[missing] = np.nan
    return x


def _tracks_table(trajs, *, particle="particle", frame="frame", pos=("x", "y"), seed=0):
    """A shuffled tracking table of ``trajs`` with non-contiguous ids and random start frames."""
    rng = np.random.default_rng(seed)
    N = len(trajs)
    df = tracks_to_dataframe(trajs, ids=7 * np.arange(N) + 11,        # ids need not be 0..N-1
                             first_frames=rng.integers(0, 500, N),    # nor start at frame 0
                             particle=particle, frame=frame, pos=pos)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _nan_mismatch(got, expected, *, name, axes):
    """None if two NaN-padded arrays agree (same NaN places, same values), else a message."""
    msg = mismatch(np.nan_to_num(got, nan=0.0), np.nan_to_num(expected, nan=0.0), name=name,
                   axes=axes, transposable=False) if got.shape == expected.shape else mismatch(
                       got, expected, name=name, axes=axes, transposable=False)
    if got.shape == expected.shape and msg is None:
        if np.array_equal(np.isnan(got), np.isnan(expected)):
            return None
        if np.isnan(expected).any() and not np.isnan(got).any():
            return (f"Your {name} has no NaN where it should: a missing value must be NaN "
                    "(np.nan), not 0.")
        where = np.argwhere(np.isnan(got) != np.isnan(expected))[0]
        at = ", ".join(f"{singular(a)} index {i}" for a, i in zip(axes, where))
        return (f"Your {name} has NaN in the wrong places: at {at} yours is {got[tuple(where)]}, "
                f"expected {expected[tuple(where)]}.")
    return msg


@check
def check_tracks_array(func) -> CheckResult:
    """Check a function that turns a tracking table into a NaN-padded array of tracks.

    Tracks of unequal lengths with missed frames, in a shuffled table.

    Parameters
    ----------
    func : callable
        ``func(df, particle="particle", frame="frame", pos=("x", "y")) -> (N, T, d)`` array:
        one row per particle in increasing id order, frames counted from each track's first
        frame, NaN where a particle was not detected (as ``ad.tracks_from_dataframe``).

    Returns
    -------
    CheckResult
        Truthy if the array matches :func:`anomdiff.tracks_from_dataframe` on a shuffled
        trackpy-style table and on a TrackMate-style one.

    See Also
    --------
    anomdiff.tracks_from_dataframe : the library's version of the same conversion.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_tracks_array(lambda df, **kw: ad.tracks_from_dataframe(df, **kw)[0]).passed
    Correct! Your array matches ad.tracks_from_dataframe, gaps and all.
    True
    """
    axes = ("tracks", "frames", "coordinates")
    x = _ragged_tracks(12, 15, seed=71)
    df = _tracks_table(x, seed=72)
    expected = tracks_from_dataframe(df)[0]
    got = call(func, df.copy(), what="table_to_array")
    if isinstance(got, tuple) and len(got) == 2:   # (array, ids) like the library: accept it
        got = got[0]
    got = as_array(got, "table_to_array")
    span = int(df["frame"].max()) + 1
    if got.ndim == 3 and got.shape[0] == expected.shape[0] and got.shape[1] >= span - 1:
        raise Problem(f"Your array has {got.shape[1]} frames: the frames were not counted from "
                      "each track's first frame. Subtract each particle's first frame from its "
                      "frames so that every track starts at index 0.")
    if got.shape == expected.shape[:2]:
        raise Problem(f"Your array has shape {got.shape}: keep all the coordinates, shape "
                      f"{expected.shape} (tracks, frames, coordinates).")
    if got.shape == expected.shape:
        order = np.unique(df["particle"].to_numpy(), return_index=True)[1]
        appearance = np.argsort(np.argsort(order))       # rows in order of first appearance
        same = np.allclose(np.nan_to_num(got[appearance]), np.nan_to_num(expected), atol=1e-12)
        if same and not np.array_equal(appearance, np.arange(len(appearance))):
            raise Problem("Your rows are in the order the particles first appear in the table; "
                          "sort them by particle id (np.unique returns the ids sorted).")
    if got.ndim == 3 and got.shape[0] == expected.shape[0] and got.shape[2] == expected.shape[2]:
        # detections packed together, without the NaN of the missed frames
        packed = np.full_like(got, np.nan)
        for i, track in enumerate(expected):
            ok = track[np.isfinite(track[:, 0])]
            packed[i, :len(ok)] = ok[: got.shape[1]]
        if got.shape[1] <= expected.shape[1] and np.allclose(np.nan_to_num(got), np.nan_to_num(packed[:, : got.shape[1]])):
            raise Problem("You put each track's detections one after the other: a missed frame "
                          "must stay a NaN at its own frame index (frame - first frame).")
    msg = _nan_mismatch(got, expected, name="array of tracks", axes=axes)
    if msg:
        raise Problem(msg)
    # The same tracks, named as in a TrackMate spot table.
    names = dict(particle="TRACK_ID", frame="FRAME", pos=("POSITION_X", "POSITION_Y"))
    df2 = _tracks_table(_ragged_tracks(8, 10, seed=73), seed=74, **names)
    expected2 = tracks_from_dataframe(df2, **names)[0]
    try:
        got2 = call(func, df2.copy(), what="table_to_array", **names)
        if isinstance(got2, tuple) and len(got2) == 2:
            got2 = got2[0]
        msg = _nan_mismatch(as_array(got2, "table_to_array"), expected2, name="array of tracks",
                            axes=axes)
    except Problem as problem:
        msg = str(problem)
    if msg:
        raise Problem("Right for trackpy's column names, but with a TrackMate table (particle="
                      "'TRACK_ID', frame='FRAME', pos=('POSITION_X', 'POSITION_Y')): " + msg +
                      " Use the arguments particle, frame and pos instead of fixed names.")
    return "Correct! Your array matches ad.tracks_from_dataframe, gaps and all."


@check
def check_tamsd_gaps(func) -> CheckResult:
    """Check a TA-MSD of NaN-padded d-dimensional tracks (missed frames, unequal lengths).

    Parameters
    ----------
    func : callable
        ``func(trajs, lags) -> (N, L)``: for each track and lag, the mean over the pairs of
        detected points ``lag`` frames apart of the squared displacement summed over the
        coordinates; NaN where a track has no such pair.

    Returns
    -------
    CheckResult
        Truthy if the result matches :func:`anomdiff.tamsd`, NaN included, and the code is
        vectorized over the tracks.

    See Also
    --------
    anomdiff.tamsd : the library's TA-MSD, which averages over valid pairs too.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_tamsd_gaps(ad.tamsd).passed
    Correct! Your TA-MSD averages over the valid pairs only, like ad.tamsd.
    True
    """
    x = _ragged_tracks(40, 30, gap_rate=0.2, seed=81)
    x[0, 2:] = np.nan                       # a track of 2 points: no pair beyond lag 1
    lags = np.array([1, 2, 3, 7, 15, 29])
    with np.errstate(all="ignore"):
        expected = tamsd(x, lags)
        sq = [np.sum((x[:, k:] - x[:, :-k]) ** 2, axis=2) for k in lags]
        sq1 = [(x[:, k:] - x[:, :-k]) ** 2 for k in lags]
        alternatives = [
            (np.stack([np.nansum(s, axis=1) / (x.shape[1] - k) for s, k in zip(sq, lags)], axis=1),
             "You divided by all T - lag pairs, including those with a missing point: divide "
             "by the number of valid (finite) pairs instead."),
            (np.stack([np.nanmean(s, axis=(1, 2)) for s in sq1], axis=1),
             "You averaged over the coordinates: sum the squared displacements over the d "
             "coordinates (axis 2), then average over the valid pairs."),
            (np.stack([np.mean(s, axis=1) for s in sq], axis=1),
             "A single NaN made a whole mean NaN: average over the valid pairs only "
             "(np.nanmean, or np.nansum divided by the number of finite values)."),
            (np.nan_to_num(expected, nan=0.0),
             "Where a track has no valid pair at a lag, return NaN (no data), not 0."),
        ]
    got = as_array(call(func, x, lags, what="tamsd_gaps"), "tamsd_gaps")
    for alt, why in alternatives:
        if alt.shape == got.shape and np.allclose(got, alt, rtol=1e-6, equal_nan=True) and \
                not np.allclose(got, expected, rtol=1e-6, equal_nan=True):
            raise Problem(why)
    msg = _nan_mismatch(got, expected, name="TA-MSD", axes=("tracks", "lags"))
    if msg:
        raise Problem(msg)
    big = _ragged_tracks(1000, 200, seed=82)
    timed(func, tamsd, (big, np.arange(1, 21)),
          hint="Loop over the lags if you like, but not over the tracks: slice all tracks at once.")
    return "Correct! Your TA-MSD averages over the valid pairs only, like ad.tamsd."


def _covariance_sigma(x):
    """sigma = sqrt(-mean(eta_t eta_{t+1})) over valid products, and its standard error from
    the spread of the per-track sums (tracks are independent)."""
    eta = np.diff(x, axis=1)
    prod = eta[:, :-1] * eta[:, 1:]
    ok = np.isfinite(prod)
    s = np.where(ok, prod, 0.0).sum(axis=(1, 2))
    n = ok.sum(axis=(1, 2))
    c1 = s.sum() / n.sum()
    se_c1 = np.sqrt(np.sum((s - c1 * n) ** 2)) / n.sum()     # ratio estimator, delta method
    sigma = np.sqrt(max(-c1, 0.0))
    return sigma, se_c1 / (2 * max(sigma, 1e-12)), c1


@check
def check_sigma_covariance(func) -> CheckResult:
    """Check a localization-noise estimate from the lag-1 increment covariance.

    Simulated Brownian tracks of unequal lengths, with known noise.

    Parameters
    ----------
    func : callable
        ``func(trajs) -> float``: for NaN-padded (N, T, d) tracks of Brownian motion with
        noise, ``sqrt(-mean(eta_t * eta_{t+1}))`` over all valid pairs of consecutive
        increments and all coordinates.

    Returns
    -------
    CheckResult
        Truthy if the estimate agrees with the reference within three standard errors (from
        the spread between tracks) on simulated Brownian tracks with known noise.

    See Also
    --------
    check_sigma_intercept : the other estimate of sigma, from the MSD intercept.

    Notes
    -----
    For Brownian increments and independent errors of variance sigma^2 per coordinate,
    Cov(eta_t, eta_{t+1}) = -sigma^2 [1]_.

    References
    ----------
    .. [1] C. L. Vestergaard, P. C. Blainey, H. Flyvbjerg, Phys. Rev. E 89, 022726 (2014),
       doi:10.1103/PhysRevE.89.022726.

    Examples
    --------
    >>> import numpy as np
    >>> check_sigma_covariance(lambda x: np.sqrt(-np.nanmean(np.diff(x, axis=1)[:, :-1]
    ...                                           * np.diff(x, axis=1)[:, 1:]))).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    sigma_true = 0.5
    x = _ragged_tracks(400, 50, sigma=sigma_true, min_length=10, seed=91)
    ref, se, c1 = _covariance_sigma(x)
    got = as_number(call(func, x.copy(), what="sigma_covariance"), "the value sigma_covariance returns")
    if not np.isfinite(got):
        raise Problem("Your estimate is NaN: a missed frame makes its products NaN, so average "
                      "with np.nanmean; and check the sign: the mean product is -sigma**2, "
                      "negative, so take sqrt(-mean).")
    tol = 3 * se
    if abs(got - ref) <= tol:
        return (f"Correct! Your estimate {got:.3f} matches the covariance estimator "
                f"({ref:.3f} ± {se:.3f}; the noise in this test has sigma = {sigma_true}).")
    d = x.shape[2]
    eta = np.diff(x, axis=1)
    var = np.nanmean(eta**2)
    wrong = [
        (ref**2, "Your value is sigma squared: return the standard deviation, sqrt(-mean)."),
        (ref * np.sqrt(d), f"Your value is sqrt({d}) times too large: you summed the products "
                           "over the coordinates; average them instead (sigma is per coordinate)."),
        (np.sqrt(var), "Your value is the standard deviation of the increments themselves: "
                       "use the product of *consecutive* increments, eta[:, :-1] * eta[:, 1:]."),
        (np.sqrt(var / 2), "Your value comes from the variance of the increments "
                           "(2 D + 2 sigma^2 mixes motion and noise): use the covariance of "
                           "consecutive increments instead."),
        (np.sqrt(abs(c1) / 2), "Your value is sqrt(2) too small: the mean product is -sigma**2 "
                               "itself, with no factor 1/2."),
    ]
    for value, why in wrong:
        if abs(got - value) <= max(tol, 1e-9 * abs(value)):
            raise Problem(why)
    if got == 0:
        raise Problem("Your estimate is 0: the mean product should be negative here; check the "
                      "sign (sigma**2 = -mean product) and that the products pair eta_t with eta_{t+1}.")
    raise Problem(f"Your estimate {got:.4f} differs from the covariance estimator "
                  f"{ref:.4f} ± {se:.4f} (true sigma {sigma_true}). Average eta_t * eta_{{t+1}} "
                  "over all valid pairs of consecutive increments, every track and coordinate.")


def _fit_sigma(per_track, lags, d):
    """sigma from an unweighted least-squares fit of 2 d D lag^a + 2 d sigma^2 to the mean of
    the per-track TA-MSDs ``per_track`` (N, L)."""
    from scipy.optimize import curve_fit

    with np.errstate(all="ignore"):
        m = np.nanmean(per_track, axis=0)
    lags = np.asarray(lags, dtype=float)
    p, _ = curve_fit(lambda t, D, a, s: 2 * d * D * t**a + 2 * d * s**2, lags, m,
                     p0=(m[0] / (2 * d), 1.0, np.sqrt(m[0] / (4 * d))),
                     bounds=([0, 0.01, 0], [np.inf, 2, np.inf]))
    return float(p[2])


@check
def check_sigma_intercept(func) -> CheckResult:
    """Check a localization-noise estimate from the intercept of the noisy MSD law.

    It runs on gappy 2-D FBM tracks with a known noise level.

    Parameters
    ----------
    func : callable
        ``func(trajs, lags) -> float``: sigma per coordinate from a fit of
        ``2 d D lag**alpha + 2 d sigma**2`` (three free parameters) to the mean TA-MSD of
        NaN-padded (N, T, d) tracks.

    Returns
    -------
    CheckResult
        Truthy if, on simulated 2-D FBM tracks with gaps at alpha = 1 and alpha = 0.6 (known
        noise), the estimate lies within four bootstrap standard errors of the truth.

    See Also
    --------
    check_sigma_covariance : the other estimate of sigma, from the increment covariance.

    Notes
    -----
    Independent errors of variance sigma^2 per coordinate add 2 d sigma^2 to the TA-MSD at
    every lag [1]_; the bootstrap resamples whole tracks.

    References
    ----------
    .. [1] X. Michalet, Phys. Rev. E 82, 041914 (2010), doi:10.1103/PhysRevE.82.041914.

    Examples
    --------
    >>> check_sigma_intercept(lambda x, lags: 0.1).passed  # doctest: +ELLIPSIS
    Not yet. ...
    False
    """
    sigma_true, lags = 0.8, np.arange(1, 11)
    results = []
    for alpha, seed in [(1.0, 101), (0.6, 102)]:
        x = _ragged_tracks(1000, 100, alpha=alpha, sigma=sigma_true, min_length=15, seed=seed)
        got = as_number(call(func, x.copy(), lags, what="sigma_intercept"),
                        "the value sigma_intercept returns")
        rng = np.random.default_rng(seed)
        d = x.shape[2]
        with np.errstate(all="ignore"):
            per_track = tamsd(x, lags)
        boot = [_fit_sigma(per_track[rng.integers(0, len(x), len(x))], lags, d) for _ in range(20)]
        se = float(np.std(boot))
        if not np.isfinite(got):
            raise Problem(f"Your estimate is {got} (alpha = {alpha} test): average the TA-MSDs "
                          "with np.nanmean (short tracks have NaN at long lags) and keep the fit's "
                          "parameters positive (bounds).")
        if abs(got - sigma_true) > 4 * se:
            if results:  # right at alpha = 1, so no factor is missing: alpha is not free
                raise Problem(f"Right for Brownian tracks, but for FBM with alpha = {alpha} your "
                              f"estimate is {got:.3f} (true {sigma_true}): let alpha be a free "
                              "parameter of the fit (a straight line assumes alpha = 1).")
            for value, slope, why in [  # slope: d(value)/d(sigma), to carry the error over
                (2 * d * sigma_true**2, 4 * d * sigma_true,
                 "Your value is the intercept 2 d sigma^2 itself: solve for sigma."),
                (sigma_true**2, 2 * sigma_true,
                 "Your value is sigma squared: return the standard deviation."),
                (sigma_true * np.sqrt(d), np.sqrt(d),
                 "Your value is sqrt(d) times too large: the intercept is 2 d sigma^2 with d "
                 "coordinates, not 2 sigma^2."),
            ]:
                if abs(got - value) <= 4 * se * slope:
                    raise Problem(why)
            raise Problem(f"For tracks with alpha = {alpha} and sigma = {sigma_true} your estimate "
                          f"is {got:.3f}, more than 4 standard errors ({se:.3f}) from the truth. "
                          "Fit 2 d D lag^alpha + 2 d sigma^2 to the mean TA-MSD (over tracks, "
                          "ignoring NaN) with three free parameters.")
        results.append(True)
    return ("Correct! Your intercept recovers sigma within its statistical error, for Brownian "
            "and for subdiffusive tracks.")


def _real_reference():
    """D (um^2/s) and sigma (um) of ad.example_tracks by three reasonable estimators."""
    x = tracks_from_dataframe(example_tracks(), pixel_size=0.16)[0]
    dt, lags = 0.00748, np.arange(1, 5)
    n = np.isfinite(x[..., 0]).sum(axis=1)
    Ds, sigmas = [], []
    for sel in (n >= 2, n >= 5):
        with np.errstate(all="ignore"):
            m = np.nanmean(tamsd(x[sel], lags), axis=0)
        slope, intercept = np.polyfit(lags * dt, m, 1)
        Ds.append(slope / 4)
        sigmas.append(np.sqrt(max(intercept, 0.0) / 4))
        sigma, _, c1 = _covariance_sigma(x[sel])
        eta = np.diff(x[sel], axis=1)
        Ds.append((np.nanmean(eta**2) + 2 * c1) / (2 * dt))
        sigmas.append(sigma)
    return np.array(Ds), np.array(sigmas)


@check
def check_real_tracks(D_real, sigma_real) -> CheckResult:
    """Check the order of magnitude and the units of D and sigma for ``ad.example_tracks()``.

    Any value within a factor 1.6 of the estimators' range passes.

    Parameters
    ----------
    D_real : float
        Diffusivity of the tracks, in um^2/s (pixel 0.16 um, frame interval 7.48 ms).
    sigma_real : float
        Localization noise per coordinate, in um.

    Returns
    -------
    CheckResult
        Truthy if both values lie in the range spanned by reasonable estimators (MSD fit with
        alpha = 1, covariance estimator; all tracks or those with at least 5 points), widened
        by a factor 1.6 either way. This is a check of units and magnitude: the data are
        heterogeneous, so there is no single right value.

    See Also
    --------
    anomdiff.example_tracks : the real tracks this exercise analyses.

    Examples
    --------
    >>> check_real_tracks(5.0, 50.0).passed  # doctest: +ELLIPSIS
    Not yet. ...
    False
    """
    D = as_number(D_real, "D_real")
    s = as_number(sigma_real, "sigma_real")
    Ds, sigmas = _real_reference()
    lo, hi = Ds.min() / 1.6, Ds.max() * 1.6
    if not lo <= D <= hi:
        mid = float(np.median(Ds))
        for factor, why in [
            (0.00748 / 0.16**2, "in pixels²/frame: multiply positions by 0.16 µm and lags by 7.48 ms"),
            (1 / 0.16**2, "in pixels²/s: convert positions to µm (× 0.16) first"),
            (0.00748, "per frame, not per second: lag times are lags × 0.00748 s"),
            (1e-3, "per millisecond: use seconds"),
            (2.0, "a factor 2 too large: in 2-D the MSD is 4 D t at lag time t (2 d D t with d = 2)"),
            (4.0, "a factor 4 too large: D is the slope of the MSD divided by 4 in 2-D"),
        ]:
            if 0.5 < D / (mid * factor) < 2:
                raise Problem(f"D_real = {D:.4g} looks {why}.")
        raise Problem(f"D_real = {D:.4g} µm²/s is outside the range reasonable estimators give "
                      f"({lo:.2g} to {hi:.2g} µm²/s). Fit 4 D t + 4 σ² to the mean TA-MSD at lags "
                      "1-4 (lag time t = lag × 0.00748 s, positions in µm).")
    lo, hi = sigmas.min() / 1.6, sigmas.max() * 1.6
    if not lo <= s <= hi:
        mid = float(np.median(sigmas))
        for factor, why in [(1000, "in nm: give it in µm"), (1 / 0.16, "in pixels: multiply by 0.16"),
                            (mid, "squared: give the standard deviation")]:
            value = mid * factor if factor != mid else mid**2
            if 0.5 < s / value < 2:
                raise Problem(f"sigma_real = {s:.4g} looks {why}.")
        raise Problem(f"sigma_real = {s:.4g} µm is outside the range reasonable estimators give "
                      f"({lo:.2g} to {hi:.2g} µm).")
    return (f"Correct! D = {D:.2g} µm²/s and sigma = {1000 * s:.0f} nm are in the range "
            f"reasonable estimators give ({Ds.min():.2g} to {Ds.max():.2g} µm²/s, "
            f"{1000 * sigmas.min():.0f} to {1000 * sigmas.max():.0f} nm): the estimates depend "
            "on which tracks you keep, a sign that the particles differ.")


# ------------------------------------------------------------------ chapter 4: theory of EB, ageing


def _eb_brownian_alternatives(lag, t):
    """Typical wrong answers for the exact EB of sampled Brownian motion, with the reason."""
    n = t - lag
    return [
        (4 * lag / (3 * t), "That is the continuum formula 4Δ/(3t), valid only for Δ >> 1. "
         "Sampled windows share whole steps: build C_ij = max(Δ - |i - j|, 0) and use "
         "EB = 2 sum C_ij^2 / (sum_i C_ii)^2."),
        (float(theory.eb("fbm", 1.0, lag, t + lag)), "You used n = t windows; a trajectory of "
         "t points has only n = t - Δ windows of lag Δ."),
        (2 / n, "You kept only the diagonal of C (as if the windows were independent). "
         "Overlapping windows share steps: C_ij = max(Δ - |i - j|, 0) off the diagonal too."),
        (float(theory.eb("fbm", 1.0, lag, t)) / 2, "You forgot the factor 2: for a Gaussian "
         "vector Var(sum y_i^2) = 2 tr(C^2), so EB = 2 sum C_ij^2 / (tr C)^2."),
        (2 * (2 * lag**2 + 1) / (3 * lag * t), "That is the leading term 2(2Δ²+1)/(3Δt) with t "
         "in place of the number of windows n = t - Δ; compute the exact sums over the "
         "n x n matrix C instead."),
    ]


@check
def check_eb_brownian(func) -> CheckResult:
    """Check the exact EB of sampled Brownian motion against :func:`anomdiff.theory.eb`.

    Compared with :func:`anomdiff.theory.eb` for FBM at alpha = 1.

    Parameters
    ----------
    func : callable
        ``func(lag, t) -> float``: EB of Brownian trajectories (unit steps) of ``t`` points
        at lag ``lag``, from the covariance of the ``n = t - lag`` windows.

    Returns
    -------
    CheckResult
        Truthy if the values match the exact theory at lags 1, 2 and 10.

    See Also
    --------
    anomdiff.theory.eb : the reference, ``theory.eb("fbm", 1.0, lag, t)``.

    Examples
    --------
    >>> import anomdiff as ad
    >>> check_eb_brownian(lambda lag, t: ad.theory.eb("fbm", 1.0, lag, t)).passed
    Correct! Your EB of sampled Brownian motion is exact at lags 1, 2 and 10.
    True
    """
    for lag, t in [(1, 50), (2, 60), (10, 40), (10, 300)]:
        expected = float(theory.eb("fbm", 1.0, lag, t))
        got = as_number(call(func, lag, t),
                        f"the value of eb_brownian({lag}, {t})")
        if np.isclose(got, expected, rtol=1e-6):
            continue
        for value, why in _eb_brownian_alternatives(lag, t):
            if np.isclose(got, value, rtol=1e-6):
                raise Problem(f"eb_brownian({lag}, {t}) = {got:.5g}, expected {expected:.5g}. {why}")
        raise Problem(f"eb_brownian({lag}, {t}) = {got:.5g}, expected {expected:.5g}. With "
                      f"n = t - Δ windows and C_ij = max(Δ - |i - j|, 0) (an n x n matrix), "
                      "EB = 2 * np.sum(C**2) / np.trace(C)**2.")
    return "Correct! Your EB of sampled Brownian motion is exact at lags 1, 2 and 10."


def _ergodicity_report(x, lag):
    """Reference: (EB at the full length, TEA-MSD(lag) / EA-MSD(lag))."""
    return float(eb(x, lag)[1][-1]), float(teamsd(x, [lag])[0] / eamsd(x)[lag])


@check
def check_ergodicity_report(func) -> CheckResult:
    """Check a function that reports EB at the full length and the TEA-MSD / EA-MSD ratio.

    Fresh SBM and FBM sets at lags 5 and 3.

    Parameters
    ----------
    func : callable
        ``func(trajs, lag) -> (eb_T, ratio)``: EB of the set at its full length T and lag
        ``lag``, and the TEA-MSD at ``lag`` divided by the EA-MSD at time ``lag``.

    Returns
    -------
    CheckResult
        Truthy if both numbers match the library's on fresh SBM and FBM sets.

    See Also
    --------
    anomdiff.eb, anomdiff.teamsd, anomdiff.eamsd : the references.

    Examples
    --------
    >>> import anomdiff as ad
    >>> def report(x, lag):
    ...     return ad.eb(x, lag)[1][-1], ad.teamsd(x, [lag])[0] / ad.eamsd(x)[lag]
    >>> check_ergodicity_report(report).passed
    Correct! Both numbers match: EB at the full length and TEA-MSD / EA-MSD.
    True
    """
    for model, lag in [("sbm", 5), ("fbm", 3)]:
        x = _offset(simulate(model, 120, 0.5, 40, rng=31), 7)
        eb_T, ratio = _ergodicity_report(x, lag)
        got = call(func, x.copy(), lag)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise Problem(f"Return a pair (eb_T, ratio); you returned {describe(got)}.")
        got_eb = as_number(got[0], "eb_T (the first number)")
        got_ratio = as_number(got[1], "ratio (the second number)")
        curve = eb(x, lag)[1]
        where = f" (on {model.upper()} trajectories, lag {lag})"
        if not np.isclose(got_eb, eb_T, rtol=1e-6):
            if np.isclose(got_eb, eb_T + 1, rtol=1e-6):
                raise Problem("eb_T is EB + 1: EB = <m^2> / <m>^2 - 1." + where)
            if np.isclose(got_eb, curve[0], rtol=1e-6) or np.isclose(got_eb, curve.mean(), rtol=1e-6):
                raise Problem("eb_T is not EB at the full length: take the last value of the "
                              "EB(t) curve (t = T)." + where)
            raise Problem(f"eb_T = {got_eb:.5g}, expected {eb_T:.5g}: EB at the full length "
                          "is the last value of your eb_curve(trajs, lag)." + where)
        if not np.isclose(got_ratio, ratio, rtol=1e-6):
            ea = eamsd(x)
            tea = teamsd(x, [lag])[0]
            if np.isclose(got_ratio, 1 / ratio, rtol=1e-6):
                raise Problem("Your ratio is upside down: TEA-MSD divided by EA-MSD." + where)
            if np.isclose(got_ratio, tea / ea[lag - 1], rtol=1e-6) or np.isclose(
                    got_ratio, tea / ea[lag + 1], rtol=1e-6):
                raise Problem("The EA-MSD is taken at the wrong time: eamsd(x)[lag] is time "
                              "lag, because index 0 is t = 0." + where)
            raise Problem(f"ratio = {got_ratio:.5g}, expected {ratio:.5g}: divide "
                          "ad.teamsd(trajs, [lag])[0] by ad.eamsd(trajs)[lag]." + where)
    return "Correct! Both numbers match: EB at the full length and TEA-MSD / EA-MSD."


def _aged_teamsd(alpha, lag, t_a, T):
    """Reference: exact TEA-MSD of a CTRW measured on the T points t_a .. t_a + T - 1."""
    return theory.aged_teamsd("ctrw", alpha, lag, T, t_a)


@check
def check_aged_teamsd(func) -> CheckResult:
    """Check the exact TEA-MSD of an aged CTRW against the sum of EA-MSD differences.

    Ages from 0 to 5000, lags from 1 to 100.

    Parameters
    ----------
    func : callable
        ``func(alpha, lag, t_a, T) -> float``: the TEA-MSD at ``lag`` of a CTRW whose
        measurement of ``T`` points starts ``t_a`` steps after the process started.

    Returns
    -------
    CheckResult
        Truthy if it matches the exact sum at several ages, lags and exponents.

    See Also
    --------
    anomdiff.theory.msd : the CTRW's EA-MSD, t**alpha / Gamma(1 + alpha).

    Notes
    -----
    Uncorrelated zero-mean increments give <(x_b - x_a)^2> = M(b) - M(a); for lag << T
    the result is Lambda(t_a/T) = (1 + t_a/T)**alpha - (t_a/T)**alpha times its t_a = 0
    value [1]_.

    References
    ----------
    .. [1] J. H. P. Schulz, E. Barkai, R. Metzler, Phys. Rev. Lett. 110, 020602 (2013),
       doi:10.1103/PhysRevLett.110.020602.

    Examples
    --------
    >>> import numpy as np, anomdiff as ad
    >>> def aged(alpha, lag, t_a, T):
    ...     M = ad.theory.msd("ctrw", np.arange(t_a, t_a + T), alpha)
    ...     return np.mean(M[lag:] - M[:-lag])
    >>> check_aged_teamsd(aged).passed
    Correct! Your aged TEA-MSD is exact, at every age and lag tried.
    True
    """
    for alpha, lag, t_a, T in [(0.5, 1, 1000, 1000), (0.3, 50, 100, 200), (0.7, 10, 0, 500),
                               (0.5, 100, 5000, 400)]:
        expected = _aged_teamsd(alpha, lag, t_a, T)
        args = f"aged_teamsd({alpha}, {lag}, {t_a}, {T})"
        got = as_number(call(func, alpha, lag, t_a, T),
                        f"the value of {args}")
        if np.isclose(got, expected, rtol=1e-6):
            continue
        M = theory.msd("ctrw", np.arange(0, t_a + T + 1, dtype=np.float64), alpha)
        z = t_a / T
        young = _aged_teamsd(alpha, lag, 0, T)
        alternatives = [
            (young, "You ignored t_a: the windows start at t_a + i, not at i."),
            (M[t_a + lag] - M[t_a], "That is a single window, M(t_a + Δ) - M(t_a); average "
             "M(t_a + i + Δ) - M(t_a + i) over all T - Δ windows i."),
            (expected * (T - lag) / T, "You divided by T; there are T - Δ windows."),
            (young * ((1 + z) ** alpha - z**alpha), "That is the scaling form Λ(t_a/T) times "
             "the non-aged value, valid only for Δ << T; the exercise asks for the exact sum."),
            (M[t_a + lag], "That is the EA-MSD at t_a + Δ, not a sum of differences."),
        ]
        for value, why in alternatives:
            if np.isclose(got, value, rtol=1e-6):
                raise Problem(f"{args} = {got:.5g}, expected {expected:.5g}. {why}")
        raise Problem(f"{args} = {got:.5g}, expected {expected:.5g}. Take M at the measured "
                      "times t_a .. t_a + T - 1 and average M[lag:] - M[:-lag].")
    return "Correct! Your aged TEA-MSD is exact, at every age and lag tried."


# ------------------------------------------------------------------ chapter 8: which model?

__all__ += ["check_increment_autocorrelation", "check_fbm_autocorrelation",
            "check_estimator_mae", "check_own_classifier", "check_confusion_matrix"]

# The AnDi-1 exponent grid of each model (Muñoz-Gil et al. 2021): steps of 0.05.
_ANDI_RANGE = {"attm": (0.05, 1.0), "ctrw": (0.05, 1.0), "fbm": (0.05, 1.95),
               "lw": (1.05, 2.0), "sbm": (0.05, 2.0)}


def _andi_set(n_per_model, T, seed):
    """(trajs (N, T), labels (N,), alphas (N,)): each model with exponents drawn from its
    AnDi-1 grid, one simulate call per exponent."""
    rng = np.random.default_rng(seed)
    grid = np.round(np.arange(0.05, 2.001, 0.05), 2)
    blocks, labels, alphas = [], [], []
    for k, m in enumerate(MODELS):
        lo, hi = _ANDI_RANGE[m]
        drawn = rng.choice(grid[(grid >= lo) & (grid <= hi)], n_per_model)
        for a in np.unique(drawn):
            n = int(np.sum(drawn == a))
            blocks.append(simulate(m, T, float(a), n, rng=rng))
            labels += [k] * n
            alphas += [float(a)] * n
    return np.concatenate(blocks), np.array(labels), np.array(alphas)


def _pooled_autocorrelation(x, lag, max_tau, centred=False, per_trajectory=False, biased=False):
    """C(tau) of the lag-``lag`` increments of (N, T) x, pooled (reference) or with a typical
    mistake: mean removed, ratio averaged per trajectory, or divided by all N (T - lag)."""
    v = x[:, lag:] - x[:, :-lag]
    if centred:
        v = v - v.mean()
    n = v.shape[1]
    if per_trajectory:
        c = np.array([np.mean(v[:, : n - t] * v[:, t:], axis=1) for t in range(max_tau + 1)])
        return np.mean(c / c[0], axis=1)
    c = np.array([np.sum(v[:, : n - t] * v[:, t:]) / (v.shape[0] * (n if biased else n - t))
                  for t in range(max_tau + 1)])
    return c / c[0]


@check
def check_increment_autocorrelation(func) -> CheckResult:
    """Check the pooled, normalized autocorrelation of the lag-delta increments.

    FBM at two exponents and a CTRW, at several lags and windows.

    Parameters
    ----------
    func : callable
        ``func(trajs, lag, max_tau) -> (max_tau + 1,)``: for an (N, T) array without gaps,
        with ``v_t = x_{t+lag} - x_t``, the values
        ``C(tau) = mean(v_t v_{t+tau}) / mean(v_t**2)`` for tau = 0..max_tau, each mean over
        every trajectory and every valid t.

    Returns
    -------
    CheckResult
        Truthy if it matches :func:`anomdiff.displacements.increment_autocorrelation` on FBM
        and CTRW trajectories.

    See Also
    --------
    anomdiff.displacements.increment_autocorrelation : the library's version.

    Notes
    -----
    For FBM, ``C(lag) = 2**(alpha - 1) - 1`` for every lag; for the CTRW ``C(tau) = 0`` for
    tau >= lag [1]_.

    References
    ----------
    .. [1] S. C. Weber, A. J. Spakowitz, J. A. Theriot, Phys. Rev. Lett. 104, 238102 (2010),
       doi:10.1103/PhysRevLett.104.238102.

    Examples
    --------
    >>> import anomdiff as ad
    >>> f = lambda x, lag, max_tau: ad.displacements.increment_autocorrelation(x, lag, max_tau)[1]
    >>> check_increment_autocorrelation(f).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    cases = [("fbm", 0.5, 3, 9, 81), ("ctrw", 0.6, 5, 12, 82), ("fbm", 1.4, 1, 4, 83)]
    for model, alpha, lag, max_tau, seed in cases:
        x = _offset(simulate(model, 150, alpha, 40, rng=seed), seed)
        expected = increment_autocorrelation(x, lag, max_tau)[1]
        got = as_array(call(func, x.copy(), lag, max_tau, what="increment_autocorrelation"),
                       "increment_autocorrelation")
        where = f" (test: {model}, lag = {lag}, max_tau = {max_tau})"
        alternatives = [
            (_pooled_autocorrelation(x, lag, max_tau, centred=True),
             "You subtracted the mean increment: the models' increments have mean zero, so "
             "use mean(v_t * v_{t+tau}) without centring (np.corrcoef centres)."),
            (_pooled_autocorrelation(x, lag, max_tau, per_trajectory=True),
             "You normalized each trajectory separately and averaged the ratios: sum the "
             "products over all trajectories first, then divide by the pooled mean square."),
            (_pooled_autocorrelation(x, lag, max_tau, biased=True),
             "At shift tau there are only T - lag - tau products per trajectory: divide by "
             "that number (np.mean of the shorter slices does it), not by T - lag."),
        ]
        if lag > 1:
            alternatives.append((_pooled_autocorrelation(x, 1, max_tau), "You used one-step "
                                 "increments whatever the lag: v = x[:, lag:] - x[:, :-lag]."))
        x0 = x - x[:, :1]
        pos = np.array([np.mean(x0[:, : x.shape[1] - t] * x0[:, t:]) for t in range(max_tau + 1)])
        alternatives.append((pos / pos[0], "That is the correlation of the positions: use "
                                           "the increments v_t = x_{t+lag} - x_t."))
        cov = np.array([np.mean((x[:, lag:] - x[:, :-lag])[:, : x.shape[1] - lag - t]
                                * (x[:, lag:] - x[:, :-lag])[:, t:]) for t in range(max_tau + 1)])
        alternatives.append((cov, "Your values are not normalized: divide by C(0) = "
                                  "mean(v_t**2), so that C(0) = 1."))
        compare(got, expected, name="autocorrelation", axes=("shifts",),
                alternatives=[(a, w + where) for a, w in alternatives],
                shapes={(max_tau,): "Include tau = 0 (where C = 1): max_tau + 1 values."})
    return ("Correct! Your autocorrelation matches the library's, for FBM (a dip at tau = lag) "
            "and for the CTRW (zero beyond the window).")


@check
def check_fbm_autocorrelation(func) -> CheckResult:
    """Check the FBM theory of the normalized increment autocorrelation.

    Sub-, super- and normal diffusion, at lags 1 to 5.

    Parameters
    ----------
    func : callable
        ``func(tau, alpha, lag) -> array like tau``:
        ``((s + 1)**alpha + |s - 1|**alpha - 2 s**alpha) / 2`` with ``s = tau / lag``.

    Returns
    -------
    CheckResult
        Truthy if it matches ``theory.fgn_autocovariance(tau, alpha, lag) / lag**alpha``.

    See Also
    --------
    anomdiff.theory.fgn_autocovariance : the unnormalized covariance.

    Notes
    -----
    FBM has stationary increments and ``<(x_t - x_s)^2> = |t - s|**alpha``, so
    ``<v_t v_{t+tau}> = (|tau + lag|**alpha + |tau - lag|**alpha - 2 |tau|**alpha) / 2`` [1]_.

    References
    ----------
    .. [1] B. B. Mandelbrot, J. W. Van Ness, SIAM Rev. 10, 422 (1968), doi:10.1137/1010093.

    Examples
    --------
    >>> import numpy as np
    >>> def c(tau, alpha, lag):
    ...     s = np.asarray(tau, float) / lag
    ...     return ((s + 1)**alpha + np.abs(s - 1)**alpha - 2 * s**alpha) / 2
    >>> check_fbm_autocorrelation(c).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    tau = np.arange(0, 31)
    for alpha, lag in [(0.5, 1), (0.3, 5), (1.5, 4), (1.0, 2)]:
        expected = theory.fgn_autocovariance(tau, alpha, lag) / lag**alpha
        got = as_array(call(func, tau.copy(), alpha, lag, what="fbm_autocorrelation"),
                       "fbm_autocorrelation")
        where = f" (test: alpha = {alpha}, lag = {lag})"
        s = tau / lag
        with np.errstate(all="ignore"):
            no_abs = ((s + 1) ** alpha + (s - 1) ** alpha - 2 * s**alpha) / 2
        if got.shape == expected.shape and np.isnan(got[tau < lag]).any() and np.isnan(no_abs[tau < lag]).any():
            raise Problem("Your values are NaN for tau < lag: (s - 1)**alpha of a negative number "
                          "is NaN; write |s - 1|**alpha, np.abs(s - 1)**alpha." + where)
        alternatives = [
            (theory.fgn_autocovariance(tau, alpha, lag),
             "That is the covariance in units where <v**2> = lag**alpha: divide by lag**alpha "
             "(or write it in s = tau / lag), so that C(0) = 1."),
            (theory.fgn_autocovariance(tau, alpha, 1),
             "You used tau instead of s = tau / lag: the windows are lag steps long."),
            (2 * expected, "Your values are twice too large: the formula has a factor 1/2."),
        ]
        compare(got, expected, name="autocorrelation", axes=("shifts",),
                alternatives=[(a, w + where) for a, w in alternatives], transposable=False)
    return ("Correct! Your FBM autocorrelation matches the theory: C(0) = 1 and a dip "
            "2**(alpha - 1) - 1 at tau = lag for alpha < 1.")


def _estimator_set():
    """FBM and SBM trajectories (T = 100) with exponents on the AnDi grid: no immobile ones."""
    rng = np.random.default_rng(808)
    grid = np.round(np.arange(0.1, 1.91, 0.1), 2)
    blocks, alphas = [], []
    for m in ("fbm", "sbm"):
        for a in grid:
            blocks.append(simulate(m, 100, float(a), 3, rng=rng))
            alphas += [float(a)] * 3
    return np.concatenate(blocks), np.array(alphas)


@check
def check_estimator_mae(func) -> CheckResult:
    """Check the mean absolute errors of the MLE, the TA-MSD fit and the network.

    The three MAEs are recomputed on the same trajectories.

    Parameters
    ----------
    func : callable
        ``func(trajs, alpha_true) -> dict`` with keys ``"mle"``, ``"fit"`` and ``"network"``:
        the MAE of ``ad.mle_alpha(trajs)[0]``, of ``ad.fit_alpha(trajs, np.arange(1, 11))``
        and of ``ad.ml.predict_alpha(trajs)`` against ``alpha_true``.

    Returns
    -------
    CheckResult
        Truthy if all three match, on FBM and SBM trajectories of 100 points.

    See Also
    --------
    anomdiff.mle_alpha, anomdiff.fit_alpha, anomdiff.ml.predict_alpha

    Examples
    --------
    >>> bad = lambda trajs, alpha: {"mle": 0.0, "fit": 0.0}
    >>> check_estimator_mae(bad).passed  # doctest: +ELLIPSIS
    Not yet. ...
    False
    """
    from . import ml  # lazy: it loads Keras

    x, alpha = _estimator_set()
    got = call(func, x.copy(), alpha.copy(), what="estimator_mae")
    if not isinstance(got, dict):
        raise Problem(f"estimator_mae should return a dict like {{'mle': ..., 'fit': ..., "
                      f"'network': ...}}, but it returned {describe(got)}.")
    missing = [k for k in ("mle", "fit", "network") if k not in got]
    if missing:
        raise Problem(f"Your dict lacks the key(s) {missing}: return the MAE of each estimator "
                      "under 'mle', 'fit' and 'network'.")
    estimates = {"mle": mle_alpha(x)[0], "fit": fit_alpha(x, np.arange(1, 11)),
                 "network": ml.predict_alpha(x)}
    words = {"mle": "ad.mle_alpha(trajs)[0] (the first of its two outputs)",
             "fit": "ad.fit_alpha(trajs, np.arange(1, 11)) (lags 1 to 10)",
             "network": "ad.ml.predict_alpha(trajs) (the any-model network, model=None)"}
    for key, est in estimates.items():
        value = as_number(got[key], f"your MAE under {key!r}")
        err = est - alpha
        expected = float(np.nanmean(np.abs(err)))
        if np.isclose(value, expected, rtol=1e-3, atol=1e-6):
            continue
        if np.isclose(value, np.nanmean(err), rtol=1e-3):
            why = "That is the mean signed error (the bias): take the absolute value first."
        elif np.isclose(value, np.sqrt(np.nanmean(err**2)), rtol=1e-3):
            why = "That is the root-mean-square error: the MAE is the mean of |estimate - truth|."
        elif np.isclose(value, np.nanmedian(np.abs(err)), rtol=1e-3):
            why = "That is the median absolute error: take the mean."
        elif key == "network" and np.isclose(
                value, float(np.nanmean(np.abs(ml.predict_alpha(x, model="fbm") - alpha))), rtol=1e-3):
            why = ("That is the FBM specialist (model='fbm'): use the any-model network, "
                   "ad.ml.predict_alpha(trajs), which is meant for every model.")
        else:
            why = f"Compute the estimates with {words[key]} and average |estimate - alpha_true|."
        raise Problem(f"Your MAE under {key!r} is {value:.4g}, expected {expected:.4g}. {why}")
    best = min(estimates, key=lambda k: float(np.nanmean(np.abs(estimates[k] - alpha))))
    return (f"Correct! All three MAEs match (on these FBM and SBM trajectories the smallest is "
            f"the {best}'s).")


@check
def check_own_classifier(func, *, floor=0.6) -> CheckResult:
    """Check a model classifier on a fixed test set: accuracy above ``floor``.

    The test set is fixed, so results are comparable between runs.

    Parameters
    ----------
    func : callable
        ``func(trajs) -> (N,)`` labels, one per trajectory of an (N, 200) array: indices into
        ``ad.MODELS`` (0 = attm, ..., 4 = sbm) or the model names.
    floor : float, default 0.6
        The accuracy to beat (chance is 0.2).

    Returns
    -------
    CheckResult
        Truthy if the accuracy on 100 clean trajectories per model (T = 200, exponents on
        each model's AnDi-1 grid, fixed seed) is at least ``floor``.

    See Also
    --------
    anomdiff.ml.predict_model : the network's classifier.

    Examples
    --------
    >>> import numpy as np
    >>> check_own_classifier(lambda x: np.full(len(x), 2)).passed  # doctest: +ELLIPSIS
    Not yet. ...
    False
    """
    x, labels, _ = _andi_set(100, 200, seed=4242)
    got = call(func, x.copy(), what="classify")
    raw = np.asarray(got, dtype=object)
    if raw.ndim == 2 and raw.shape == (len(x), len(MODELS)):
        raise Problem("You returned a probability (or score) for each model: return one label "
                      "per trajectory, e.g. np.argmax(scores, axis=1).")
    if raw.ndim != 1 or raw.shape[0] != len(x):
        raise Problem(f"classify should return one label per trajectory, shape ({len(x)},); "
                      f"it returned {describe(got)}.")
    names = {m: k for k, m in enumerate(MODELS)}
    try:
        pred = np.array([names[str(v).lower()] if isinstance(v, str) else int(v) for v in raw])
    except (KeyError, TypeError, ValueError):
        raise Problem(f"Your labels should be integers 0..4 (indices into ad.MODELS = {MODELS}) "
                      f"or model names; got values like {raw[:3].tolist()}.") from None
    if np.any((pred < 0) | (pred >= len(MODELS))):
        raise Problem(f"Your labels should be 0..4 (indices into ad.MODELS = {MODELS}); "
                      f"got {sorted(set(pred.tolist()))[:8]}.")
    acc = float(np.mean(pred == labels))
    per = ", ".join(f"{m} {np.mean(pred[labels == k] == k):.0%}" for k, m in enumerate(MODELS))
    if np.all(pred == pred[0]):
        raise Problem(f"Your classifier answers {MODELS[pred[0]]} for every trajectory "
                      f"(accuracy {acc:.0%}, chance level). Check that your features differ "
                      "between models and are not NaN (an immobile CTRW walker has zero "
                      "step variance: give it a finite feature value).")
    if acc < floor:
        wrong = labels != pred
        pairs = np.zeros((len(MODELS), len(MODELS)), int)
        np.add.at(pairs, (labels[wrong], pred[wrong]), 1)
        i, j = np.unravel_index(int(np.argmax(pairs)), pairs.shape)
        raise Problem(f"Accuracy {acc:.1%} on the test set, below the floor {floor:.0%} "
                      f"(per model: {per}). The most common mistake: {MODELS[i]} called "
                      f"{MODELS[j]} ({pairs[i, j]} times). Add a feature that separates these "
                      "two (step correlation, non-Gaussianity, exactly-zero steps, a change of "
                      "the step variance along the trajectory), or train on more trajectories.")
    return (f"Correct! Your classifier reaches {acc:.1%} on the test set (floor {floor:.0%}; "
            f"per model: {per}).")


def _confusion(true, pred, k):
    counts = np.zeros((k, k))
    np.add.at(counts, (true, pred), 1)
    return counts


@check
def check_confusion_matrix(func) -> CheckResult:
    """Check a row-normalized confusion matrix.

    Its classes are unbalanced, so a column normalization shows.

    Parameters
    ----------
    func : callable
        ``func(true, pred, n_classes) -> (n_classes, n_classes)``: entry [i, j] is the
        fraction of the samples of true class i that were predicted as class j (each row sums
        to 1).

    Returns
    -------
    CheckResult
        Truthy if it matches on unbalanced classes.

    See Also
    --------
    check_own_classifier : the classifier whose errors it describes.

    Examples
    --------
    >>> import numpy as np
    >>> def cm(true, pred, n_classes):
    ...     c = np.zeros((n_classes, n_classes))
    ...     np.add.at(c, (true, pred), 1)
    ...     return c / c.sum(axis=1, keepdims=True)
    >>> check_confusion_matrix(cm).passed  # doctest: +ELLIPSIS
    Correct! ...
    True
    """
    rng = np.random.default_rng(77)
    k = 5
    true = rng.choice(k, 300, p=[0.1, 0.15, 0.2, 0.25, 0.3])
    pred = np.where(rng.random(300) < 0.6, true, rng.choice(k, 300))
    counts = _confusion(true, pred, k)
    expected = counts / counts.sum(axis=1, keepdims=True)
    got = as_array(call(func, true.copy(), pred.copy(), k, what="confusion_matrix"), "confusion_matrix")
    alternatives = [
        (counts, "These are counts: divide each row by its sum (the number of samples of that "
                 "true class), so that each row sums to 1."),
        (counts.T / counts.T.sum(axis=1, keepdims=True),
         "Your rows are the predicted classes: put the true class on the rows, "
         "counts[true, pred]."),
        (counts / counts.sum(axis=0, keepdims=True),
         "You divided by the column sums (the number of predictions of each class): divide "
         "each row by its own sum, the number of samples of that true class."),
        (counts / counts.sum(), "You divided by the total number of samples: divide each row "
                                "by its own sum, so that each row sums to 1."),
    ]
    compare(got, expected, name="confusion matrix", axes=("true classes", "predicted classes"),
            alternatives=alternatives)
    return "Correct! Rows are the true classes and each row sums to 1."
