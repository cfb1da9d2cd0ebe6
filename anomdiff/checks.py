"""Self-checks for the exercise notebooks: instant, friendly feedback on a learner's answer.

Each ``check_*`` function runs the learner's answer (usually a function) on fresh, seeded
inputs, compares it with the library's own result and prints, in plain words, what is right
or wrong: a wrong shape, the wrong axis, a constant factor, a lag or cut length off by one,
Python loops that are too slow, or ``Correct!``. A check never raises because of the
learner's answer (``None``, a list, a function that raises or is still a
``NotImplementedError`` stub): it reports the problem instead.

Every check prints its verdict and returns a :class:`CheckResult`, which is truthy when the
answer passed, so ``assert check_tamsd(my_tamsd)`` also works.

>>> import anomdiff as ad
>>> from anomdiff.checks import check_eamsd
>>> check_eamsd(ad.eamsd).passed
Correct! Your EA-MSD matches the library's.
True

The ML checks (:func:`check_prepare_data`, :func:`check_alpha_model`,
:func:`check_classifier`) import keras only when they run.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
import warnings
from typing import NamedTuple

import numpy as np

__all__ = [
    "CheckResult",
    "check_loglog_slope",
    "check_ea_exponents",
    "check_tamsd",
    "check_eamsd",
    "check_teamsd",
    "check_fit_alpha",
    "check_ergodic_guess",
    "check_add_noise",
    "check_noise_correction",
    "check_breakdown",
    "check_eb",
    "check_convergence_time",
    "check_ergodic_labels",
    "check_prepare_data",
    "check_alpha_model",
    "check_classifier",
]


class CheckResult(NamedTuple):
    """Outcome of a check: ``passed`` and the ``message`` that was printed."""

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return bool(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self):
        # The message is already printed; don't echo the result as a notebook output.
        pass


class _Problem(Exception):
    """Internal: the learner's answer has a problem described by the message."""


class _TooSlow(Exception):
    pass


# ------------------------------------------------------------------ reporting helpers


def _report(passed: bool, message: str) -> CheckResult:
    text = message if passed else "Not yet. " + message
    print(text)
    return CheckResult(bool(passed), text)


def _describe(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    if isinstance(value, (list, tuple)):
        return f"a {name} of length {len(value)}"
    return f"a {name}"


def _call(func, *args, what="your function", **kwargs):
    """Call the learner's function; turn every failure into a :class:`_Problem`."""
    if func is None:
        raise _Problem(
            f"You passed None instead of {what}. Define it in the exercise cell above, run "
            "that cell, then run this check again."
        )
    if not callable(func):
        raise _Problem(
            f"Expected {what} (something you can call, defined with def), but got "
            f"{_describe(func)}. Pass the function itself, without calling it: "
            "check_xxx(my_function), not check_xxx(my_function(...))."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)
    except NotImplementedError:
        raise _Problem(
            f"{what[0].upper() + what[1:]} is not written yet: it still raises "
            "NotImplementedError. Replace the `raise NotImplementedError(...)` line with your "
            "code and run the cell again."
        ) from None
    except _TooSlow:
        raise
    except Exception as err:  # noqa: BLE001 - any learner error becomes feedback
        frames = traceback.extract_tb(err.__traceback__)[1:]
        # Point at the learner's own line, not at numpy's internals.
        own = [f for f in frames if "site-packages" not in f.filename and "/lib/python" not in f.filename]
        where = (own or frames or traceback.extract_tb(err.__traceback__))[-1]
        hint = ""
        if type(err).__name__ == "LinAlgError" or "SVD did not converge" in str(err):
            hint = (" This usually means NaN or infinite values reached a fit: log(0) = -inf "
                    "(a time or lag of 0, an MSD of 0) or the log of a negative number.")
        code = (where.line or "").strip()
        at = f"line {where.lineno}: `{code}`" if code else f"line {where.lineno}"
        raise _Problem(
            f"{what[0].upper() + what[1:]} raised {type(err).__name__}: {err} ({at}).{hint}"
        ) from None


def _array(value, what="your function") -> np.ndarray:
    if value is None:
        raise _Problem(f"{what[0].upper() + what[1:]} returned None. Did you forget `return`?")
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _Problem(
            f"{what[0].upper() + what[1:]} returned {_describe(value)}, which is not an "
            "array of numbers."
        ) from None
    return arr


def _number(value, what="your answer") -> float:
    if value is None:
        raise _Problem(f"{what[0].upper() + what[1:]} is None. Did you forget `return` or to assign it?")
    if isinstance(value, (str, bytes)):
        raise _Problem(f"{what[0].upper() + what[1:]} should be a number, not the text {value!r}.")
    arr = np.asarray(value, dtype=object)
    if arr.size != 1:
        raise _Problem(
            f"{what[0].upper() + what[1:]} should be a single number, but it is "
            f"{_describe(value)}."
        )
    try:
        return float(arr.ravel()[0])
    except (TypeError, ValueError):
        raise _Problem(
            f"{what[0].upper() + what[1:]} should be a number, but it is {_describe(value)}."
        ) from None


def _guard(body):
    """Run a check body; a :class:`_Problem` becomes a failed result, never an exception."""
    try:
        passed, message = body()
    except _Problem as problem:
        return _report(False, str(problem))
    return _report(passed, message)


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Interrupt Python code after ``seconds`` (main thread on Unix; elsewhere no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def handler(signum, frame):
        raise _TooSlow

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _best_time(func, args, repeat=3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def _speed(func, ref, args, *, factor=30.0, floor=0.5, hint=""):
    """None if ``func`` is fast enough on ``args``, else a message saying how slow it is."""
    t_ref = _best_time(ref, args)
    allowed = max(factor * t_ref, floor)
    limit = 3 * allowed  # stop waiting once the verdict is clear
    t0 = time.perf_counter()
    try:
        with _time_limit(limit):
            _call(func, *args)
    except _TooSlow:
        took = None
    except _Problem as problem:
        shape = " x ".join(str(s) for s in np.shape(args[0]))
        return f"Right on the small test, but on a larger {shape} input: {problem}"
    else:
        took = time.perf_counter() - t0
    if took is not None and took <= allowed:
        return None
    shape = " x ".join(str(s) for s in np.shape(args[0]))
    took_text = f"more than {limit:.1f} s" if took is None else f"{took:.2f} s"
    return (
        f"Your values are right, but your code is too slow: {took_text} on a {shape} input, "
        f"where the library takes {t_ref * 1e3:.0f} ms. {hint}"
    ).strip()


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _one(axis: str) -> str:
    """Singular of an axis name: "trajectories" -> "trajectory"."""
    return axis[:-3] + "y" if axis.endswith("ies") else axis[:-1]


def _compare(got, expected, *, name, axes, alternatives=(), transposable=True):
    """Compare arrays; return None if equal, else a message saying what is wrong.

    ``axes`` names the axes of ``expected`` (e.g. ("trajectories", "lags")); ``alternatives``
    is a sequence of ``(array, message)``: typical wrong answers and what they mean.
    """
    if got.shape != expected.shape:
        want = " x ".join(f"{n} {a}" for n, a in zip(expected.shape, axes))
        msg = f"Wrong shape: your {name} has shape {got.shape}, expected {expected.shape} ({want})."
        if transposable and expected.ndim == 2 and got.shape == expected.T.shape:
            msg += f" It looks transposed: put {axes[0]} on the rows and {axes[1]} on the columns."
        for alt, why in alternatives:
            if alt.size == got.size and _close(got.ravel(), alt.ravel(), rtol=1e-5):
                return msg + " " + why
        if expected.ndim == 2 and got.ndim == 1:
            if got.shape[0] == expected.shape[1]:
                msg += f" One value per {_one(axes[1])}: did you average over {axes[0]}?"
            elif got.shape[0] == expected.shape[0]:
                msg += f" One value per {_one(axes[0])}: did you average over {axes[1]}?"
        if expected.ndim == 1 and got.ndim == 1 and abs(got.shape[0] - expected.shape[0]) == 1:
            msg += f" You have one {_one(axes[0])} too {'many' if got.shape[0] > expected.shape[0] else 'few'}: an off-by-one in a range or slice?"
        return msg
    if not np.all(np.isfinite(got)):
        bad = int(np.sum(~np.isfinite(got)))
        return (
            f"Your {name} contains {bad} NaN or infinite value(s). Look for a division by zero "
            "or a log of zero."
        )
    if _close(got, expected):
        return None
    for alt, why in alternatives:
        if alt.shape == got.shape and _close(got, alt, rtol=1e-5):
            return why
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = got / expected
    finite = ratio[np.isfinite(ratio) & (np.abs(expected) > 1e-12)]
    if finite.size and np.allclose(finite, finite.mean(), rtol=1e-6):
        r = float(finite.mean())
        hint = ""
        if np.isclose(r, 2) or np.isclose(r, 0.5):
            hint = " A factor 2 often comes from a stray 2 (e.g. 2 * sigma**2) or a sum over two terms."
        if r < 0:
            hint = " Check the sign."
        return f"Your {name} is off by a constant factor: it is {r:.4g} times the right value.{hint}"
    diff = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-12)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
    where = ", ".join(f"{_one(a)} index {i}" for a, i in zip(axes, idx))
    return (
        f"Your {name} has the right shape but wrong values: the largest difference is at "
        f"{where}: yours {got[idx]:.6g}, expected {expected[idx]:.6g}."
    )


def _fbm(N, T, alpha, seed):
    from .models import simulate

    return simulate("fbm", T, alpha, N, rng=seed)


def _offset(x, seed):
    """Shift each trajectory by a random start, so forgetting x_0 shows."""
    rng = np.random.default_rng(seed)
    return x + rng.normal(0.0, 3.0, size=(x.shape[0], 1))


# ------------------------------------------------------------------ chapter 1: models


def check_loglog_slope(func) -> CheckResult:
    """Check ``func(t, msd) -> slope``: the least-squares slope of log(msd) against log(t)."""

    def body():
        t = np.arange(1.0, 201.0)
        exact = 3.0 * t**0.7
        got = _number(_call(func, t.copy(), exact.copy()), "the slope your function returned")
        if not np.isfinite(got):
            raise _Problem(
                "Your slope is NaN or infinite. Did a time t = 0 or an MSD of 0 end up in a "
                "log? (log(0) = -inf.) Fit only t > 0."
            )
        if np.isclose(got, 1 / 0.7, rtol=1e-4):
            raise _Problem(
                "You got 1/alpha: you fitted log(t) against log(MSD). Put log(t) on the x axis "
                "and log(MSD) on the y axis."
            )
        if np.isclose(got, np.log(3.0), rtol=1e-4) or np.isclose(got, np.log10(3.0), rtol=1e-4):
            raise _Problem(
                "That is the intercept log(K), not the slope. np.polyfit(x, y, 1) returns "
                "[slope, intercept]: highest power first."
            )
        if not np.isclose(got, 0.7, rtol=1e-4):
            raise _Problem(
                f"For MSD = 3 t^0.7 your slope is {got:.4g}, expected 0.7. Fit a straight line "
                "to log(MSD) versus log(t)."
            )
        rng = np.random.default_rng(11)
        noisy = exact * np.exp(rng.normal(0.0, 0.3, t.size))
        expected = np.polyfit(np.log(t), np.log(noisy), 1)[0]
        got = _number(_call(func, t.copy(), noisy.copy()), "the slope your function returned")
        if not np.isclose(got, expected, rtol=1e-4):
            ends = np.log(noisy[-1] / noisy[0]) / np.log(t[-1] / t[0])
            if np.isclose(got, ends, rtol=1e-4):
                raise _Problem(
                    "On exact data you are right, but on noisy data you used only the first "
                    "and last points. Use a least-squares fit over all points (np.polyfit)."
                )
            raise _Problem(
                f"On noisy data your slope is {got:.4g}, a least-squares fit gives "
                f"{expected:.4g}. Use a least-squares fit over all points (np.polyfit)."
            )
        return True, "Correct! Your log-log slope is a least-squares fit."

    return _guard(body)


def _theory_slope(model, alpha, t_min, t_max):
    from . import theory

    t = np.arange(t_min, t_max + 1)
    return float(np.polyfit(np.log(t), np.log(theory.msd(model, t, alpha)), 1)[0])


def check_ea_exponents(measured, alphas, *, t_min=10, t_max=999, tol=0.1) -> CheckResult:
    """Check a dict ``{model: EA-MSD exponent}`` against the slope of ``ad.theory.msd``.

    ``alphas`` is the dict of exponents used to simulate; the theory slope is fitted over
    ``t_min..t_max`` like the measured one, so finite-time corrections (ATTM, Lévy walk)
    are included. Measured exponents within ``tol`` pass.
    """
    from .models import MODELS

    def body():
        if not isinstance(measured, dict):
            raise _Problem(
                f"Expected a dict {{model name: exponent}}, got {_describe(measured)}."
            )
        missing = [m for m in alphas if m not in measured]
        if missing:
            raise _Problem(f"Your dict has no exponent for: {', '.join(missing)}. Use the model names {MODELS} as keys.")
        lines = []
        for model, alpha in alphas.items():
            value = _number(measured[model], f"the exponent for {model!r}")
            theory = _theory_slope(model, alpha, t_min, t_max)
            if not np.isfinite(value):
                lines.append(f"{model}: your exponent is NaN; did t = 0 get into the log?")
            elif abs(value - theory) > tol:
                hint = ""
                if abs(value - theory / 2) <= tol / 2:
                    hint = " (about half: did you fit the root-mean-square displacement?)"
                elif abs(value - 2 * theory) <= tol:
                    hint = " (about double: did you square the MSD?)"
                lines.append(
                    f"{model} (alpha = {alpha}): you measured {value:.3f}, theory's slope over "
                    f"t = {t_min}..{t_max} is {theory:.3f}{hint}."
                )
        if lines:
            return False, "Some exponents are off by more than {:.2g}:\n  ".format(tol) + "\n  ".join(lines)
        return True, f"Correct! All {len(alphas)} exponents are within {tol} of theory."

    return _guard(body)


# ------------------------------------------------------------------ chapter 2: measuring


def _tamsd_alternatives(x, lags):
    from .msd import tamsd

    N, T = x.shape
    sums = tamsd(x, lags) * (T - lags)
    alts = [
        (sums / T, "You divided by T, but the sum over t has T - lag terms: divide by T - lag."),
        (sums / (T - lags - 1), "You divided by T - lag - 1; there are T - lag displacements at each lag: divide by T - lag."),
        (sums / (T - lags + 1), "You divided by T - lag + 1; there are T - lag displacements at each lag: divide by T - lag."),
        (sums, "You returned the sum of squared displacements; divide it by T - lag to get the average."),
        (np.sqrt(tamsd(x, lags)), "You returned the square root: the MSD is the mean of the squared displacements."),
        (tamsd(x, lags).mean(axis=0), "You averaged over the trajectories: that is the TEA-MSD. Keep one TA-MSD per trajectory (no mean over axis 0)."),
    ]
    if lags.max() + 1 <= T - 1:
        alts.append((tamsd(x, lags + 1), "Your values belong to lag + 1: an off-by-one in the lag (x[:, lag:] - x[:, :-lag] is the displacement over lag steps)."))
    if lags.min() - 1 >= 1:
        alts.append((tamsd(x, lags - 1), "Your values belong to lag - 1: an off-by-one in the lag (x[:, lag:] - x[:, :-lag] is the displacement over lag steps)."))
    return alts


def check_tamsd(func) -> CheckResult:
    """Check ``func(trajs, lags) -> (N, L)`` TA-MSDs against :func:`anomdiff.tamsd`.

    Also times it on 100000 short trajectories: a Python loop over trajectories is too slow.
    """
    from .msd import tamsd

    def body():
        x = _offset(_fbm(6, 50, 0.7, 21), 5)
        lags = np.array([2, 3, 5, 10, 20])
        got = _array(_call(func, x.copy(), lags.copy()))
        msg = _compare(got, tamsd(x, lags), name="TA-MSD", axes=("trajectories", "lags"),
                       alternatives=_tamsd_alternatives(x, lags))
        if msg:
            return False, msg
        one = _array(_call(func, x[:1].copy(), lags.copy()))
        if one.shape != (1, lags.size):
            return False, (f"With a single trajectory of shape (1, T) your function returns shape "
                           f"{one.shape}; expected (1, {lags.size}). Avoid squeeze().")
        big = _fbm(100_000, 16, 1.0, 3)
        slow = _speed(func, tamsd, (big, np.arange(1, 6)), hint=(
            "Loop over the lags only (there are few), and compute each lag for all "
            "trajectories at once: d = x[:, lag:] - x[:, :-lag]; (d**2).mean(axis=1)."))
        if slow:
            return False, slow
        return True, "Correct! Your TA-MSD matches the library's and is vectorized over trajectories."

    return _guard(body)


def check_eamsd(func) -> CheckResult:
    """Check ``func(trajs) -> (T,)``, the EA-MSD, against :func:`anomdiff.eamsd`."""
    from .msd import eamsd

    def body():
        x = _offset(_fbm(40, 30, 0.7, 22), 6)
        expected = eamsd(x)
        alts = [
            (np.mean(x**2, axis=0), "You averaged x_t**2: subtract each trajectory's start first, (x_t - x_0)**2."),
            (np.mean((x - x[:, :1]) ** 2, axis=1), "You averaged over time (axis=1); the EA-MSD averages over trajectories (axis=0)."),
            (np.mean(x - x[:, :1], axis=0) ** 2, "You squared the mean displacement; average the squared displacements instead."),
            (np.sqrt(expected), "You returned the root-mean-square displacement: drop the square root."),
            (expected[1:], "You dropped t = 0; return all T times, starting with EA-MSD(0) = 0."),
        ]
        got = _array(_call(func, x.copy()))
        msg = _compare(got, expected, name="EA-MSD", axes=("times",), alternatives=alts)
        if msg:
            if got.shape == (x.shape[0],):
                msg += " You have one value per trajectory: average over axis=0 (trajectories), not axis=1 (time)."
            return False, msg
        return True, "Correct! Your EA-MSD matches the library's."

    return _guard(body)


def check_teamsd(func) -> CheckResult:
    """Check ``func(trajs, lags) -> (L,)``, the TEA-MSD, against :func:`anomdiff.teamsd`."""
    from .msd import tamsd, teamsd

    def body():
        x = _offset(_fbm(20, 60, 1.3, 23), 7)
        lags = np.array([1, 2, 4, 8, 16])
        expected = teamsd(x, lags)
        alts = [
            (tamsd(x, lags), "You returned all TA-MSDs; the TEA-MSD is their mean over trajectories (axis=0)."),
            (tamsd(x, lags).mean(axis=1), "You averaged over lags; average over trajectories (axis=0) instead."),
        ] + [(a.mean(axis=0), why) for a, why in _tamsd_alternatives(x, lags) if a.ndim == 2] + [
            (teamsd(x, lags + 1), "Your values belong to lag + 1: an off-by-one in the lag."),
        ]
        got = _array(_call(func, x.copy(), lags.copy()))
        msg = _compare(got, expected, name="TEA-MSD", axes=("lags",), alternatives=alts)
        if msg:
            return False, msg
        return True, "Correct! Your TEA-MSD matches the library's."

    return _guard(body)


def check_fit_alpha(func) -> CheckResult:
    """Check ``func(trajs, lags) -> (N,)`` exponents against :func:`anomdiff.fit_alpha`."""
    from .msd import fit_alpha, fit_loglog, tamsd, teamsd

    def body():
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
        got = _array(_call(func, x.copy(), lags.copy()))
        msg = _compare(got, expected, name="exponents", axes=("trajectories",), alternatives=alts)
        if msg:
            if got.shape == (lags.size,):
                msg += " You returned one number per lag: return one exponent per trajectory."
            return False, msg
        big = _fbm(50_000, 16, 1.0, 4)
        slow = _speed(func, fit_alpha, (big, np.arange(1, 6)), hint=(
            "np.polyfit fits many lines at once: np.polyfit(np.log(lags), np.log(m).T, 1)[0] "
            "for m of shape (N, L)."))
        if slow:
            return False, slow
        return True, "Correct! Your exponents match the library's fit, one per trajectory."

    return _guard(body)


def check_ergodic_guess(guess) -> CheckResult:
    """Check a dict ``{model: True/False}``: is the model ergodic (course classification)?"""
    from .models import MODELS, model_name
    from .theory import is_ergodic

    why = {
        "fbm": "FBM's TA-MSDs all follow the EA-MSD closely (stationary increments).",
        "lw": "the Lévy walk (in equilibrium) has TA-MSDs that converge to the EA-MSD.",
        "ctrw": "CTRW's TA-MSDs scatter widely and grow linearly in the lag, while its EA-MSD grows as t^alpha (weak ergodicity breaking).",
        "attm": "ATTM, like CTRW, has scattered TA-MSDs that differ from the EA-MSD.",
        "sbm": "SBM's TA-MSD grows linearly in the lag although its EA-MSD grows as t^alpha.",
    }

    def body():
        if not isinstance(guess, dict) or not guess:
            raise _Problem(f"Expected a dict {{model name: True or False}}, got {_describe(guess)}.")
        wrong = []
        for key, value in guess.items():
            try:
                name = model_name(key)
            except (TypeError, ValueError):
                raise _Problem(f"{key!r} is not a model; use names from {MODELS}.") from None
            if not isinstance(value, (bool, np.bool_)):
                raise _Problem(f"The answer for {name!r} should be True or False, got {value!r}.")
            if bool(value) != is_ergodic(name):
                word = "ergodic" if is_ergodic(name) else "non-ergodic"
                wrong.append(f"{name} is {word}: {why[name]}")
        if wrong:
            return False, "Look at the plots again:\n  " + "\n  ".join(wrong)
        return True, "Correct! " + " ".join(why[model_name(k)][0].upper() + why[model_name(k)][1:] for k in guess)

    return _guard(body)


# ------------------------------------------------------------------ chapter 3: noise


def check_add_noise(func) -> CheckResult:
    """Check ``func(trajs, sigma, rng) -> noisy``: independent N(0, sigma^2) on every position."""

    def body():
        x = _fbm(400, 200, 1.0, 25)
        sigma = 0.3
        original = x.copy()
        got = _array(_call(func, x, sigma, np.random.default_rng(5)))
        if got.shape != x.shape:
            raise _Problem(f"Wrong shape: {got.shape}; the noisy trajectories must have the shape of the input, {x.shape}.")
        if not np.array_equal(x, original):
            return False, ("You changed the input array in place (x += ...). Return a new array "
                           "(noisy = x + noise) so the clean trajectories stay clean.")
        e = got - original
        std = e.std()
        if np.allclose(e, 0):
            return False, "Your output equals the input: no noise was added."
        if np.allclose(e, e[:1], atol=1e-12):
            return False, "Every trajectory got the same noise: draw noise of shape (N, T), not (T,)."
        late, early = e[:, -20:].std(), e[:, :20].std()
        if late > 2 * early:
            return False, ("Your noise grows along the trajectory: localization noise is added to "
                           "each position independently (no cumulative sum).")
        if np.isclose(std, sigma**2, rtol=0.1):
            return False, f"The noise has std {std:.3f} = sigma**2: sigma is the standard deviation, not the variance."
        if not np.isclose(std, sigma, rtol=0.1):
            return False, f"The noise has std {std:.3f}; expected sigma = {sigma}."
        lag1 = np.mean(e[:, 1:] * e[:, :-1]) / std**2
        if abs(lag1) > 0.1:
            return False, "Neighbouring noise values are correlated; draw independent noise for every position."
        return True, "Correct! Independent Gaussian noise of the right size on every position."

    return _guard(body)


def check_noise_correction(func) -> CheckResult:
    """Check ``func(trajs, lags, sigma) -> (N,)``: exponents fitted after subtracting 2 sigma^2.

    Compared with ``ad.fit_alpha(trajs, lags, sigma=sigma)`` on inputs where every corrected
    TA-MSD stays positive.
    """
    from .datasets import add_localization_noise
    from .msd import fit_alpha, fit_loglog, tamsd

    def body():
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
        got = _array(_call(func, x.copy(), lags.copy(), sigma))
        msg = _compare(got, expected, name="corrected exponents", axes=("trajectories",), alternatives=alts)
        if msg:
            return False, msg
        return True, "Correct! You subtract 2 sigma^2 from the TA-MSD before fitting."

    return _guard(body)


def breakdown_sigma(sigmas, *, alpha=0.5, T=200, N=200, lags=range(1, 11), tol=0.1, seed=0):
    """Reference answer of exercise 3: the smallest sigma whose corrected fit fails.

    For each sigma (in the given order), FBM trajectories (seeded by ``seed``) get noise of
    that size (seed ``seed + 1 + i``) and are fitted with the correction; "fails" means the
    median absolute error of the finite exponents exceeds ``tol`` or more than 10 % of the
    fits are NaN. Returns NaN if none fails.
    """
    from .datasets import add_localization_noise
    from .models import simulate
    from .msd import fit_alpha

    x = simulate("fbm", T, alpha, N, rng=seed)
    lags = np.asarray(list(lags))
    for i, s in enumerate(sigmas):
        noisy = add_localization_noise(x, s, rng=seed + 1 + i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            a = fit_alpha(noisy, lags, sigma=s)
        ok = np.isfinite(a)
        if ok.mean() < 0.9 or np.median(np.abs(a[ok] - alpha)) > tol:
            return float(s)
    return float("nan")


def check_breakdown(answer, sigmas, **protocol) -> CheckResult:
    """Check the breakdown noise level of exercise 3 against :func:`breakdown_sigma`.

    ``protocol`` holds the keyword arguments of :func:`breakdown_sigma` that the notebook
    used. A neighbouring grid value also passes (other random draws can shift the crossing).
    """

    def body():
        value = _number(answer, "your breakdown sigma")
        grid = [float(s) for s in sigmas]
        expected = breakdown_sigma(grid, **protocol)
        if np.isnan(expected):
            raise _Problem("No sigma in your grid breaks the correction; extend the grid to larger sigma.")
        if not np.isclose(value, grid, rtol=1e-9).any():
            return False, f"Your answer {value:g} is not one of the sigmas you tried: {grid}."
        i, j = int(np.argmin(np.abs(np.array(grid) - value))), grid.index(expected)
        if i == j:
            return True, f"Correct! The correction breaks down at sigma = {expected:g}."
        if abs(i - j) == 1:
            return True, (f"Correct, within the statistical scatter: the reference finds sigma = "
                          f"{expected:g}, you found {value:g}.")
        direction = "too small" if i < j else "too large"
        return False, (f"Your sigma = {value:g} is {direction}: the corrected fit first fails at "
                       f"sigma = {expected:g}. Take the first sigma where the median error exceeds "
                       f"{protocol.get('tol', 0.1)} (or more than 10% of fits are NaN).")

    return _guard(body)


# ------------------------------------------------------------------ chapter 4: ergodicity


def check_eb(func) -> CheckResult:
    """Check ``func(trajs, lag) -> (T - lag,)`` EB(t) for t = lag+1..T against :func:`anomdiff.eb`.

    Timed on a long ensemble: recomputing the TA-MSD for every cut length is too slow.
    """
    from .ergodicity import eb
    from .models import simulate

    def body():
        x = _offset(simulate("ctrw", 80, 0.5, 30, rng=27), 9)
        lag = 3
        t, expected = eb(x, lag)
        N = x.shape[0]
        s = np.cumsum((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
        m = s / np.arange(1, s.shape[1] + 1)
        alts = [
            (expected + 1, "You forgot the - 1: EB = <m^2> / <m>^2 - 1."),
            (expected * N / (N - 1), "You used the sample variance with ddof=1; the definition uses plain averages: <m^2> - <m>^2 (ddof=0)."),
            (m.var(axis=0) / m.mean(axis=0), "You divided the variance by <m> instead of <m>^2."),
            (np.sqrt(np.maximum(expected, 0)), "You took a square root: EB is a ratio of variances, no root."),
        ]
        got = _call(func, x.copy(), lag)
        note = ""
        if isinstance(got, tuple) and len(got) == 2 and np.shape(got[1]) == expected.shape:
            got, note = got[1], " (You returned a pair (t, EB); the check used the second item.)"
        got = _array(got)
        msg = _compare(got, expected, name="EB(t)", axes=("cut lengths",), alternatives=alts)
        if msg:
            if got.ndim == 0 or got.size == 1:
                msg += " You returned one number: return EB for every cut length t = lag+1 .. T."
            elif got.shape == (N,):
                msg += " One value per trajectory: EB averages over trajectories (axis=0)."
            return False, msg + note
        for big in (simulate("ctrw", 3000, 0.5, 1000, rng=5), simulate("fbm", 20, 0.5, 50_000, rng=6)):
            slow = _speed(func, eb, (big, 1), hint=(
                "One cumulative sum along time gives the TA-MSDs for every cut length at once: "
                "np.cumsum(d**2, axis=1) with d = x[:, lag:] - x[:, :-lag]."))
            if slow:
                return False, slow
        return True, "Correct! Your EB(t) matches the library's, for every cut length, and it is fast." + note

    return _guard(body)


def convergence_time(t, eb_values, eb_limit, tol=0.05):
    """Reference for exercise 4: extrapolate EB(t) - limit ~ C t**(-g) to tol * limit.

    Fits log(EB - limit) against log(t) by least squares over the points where EB > limit
    and returns the t where the fitted excess equals ``tol * eb_limit``.
    """
    t = np.asarray(t, dtype=np.float64)
    excess = np.asarray(eb_values, dtype=np.float64) - eb_limit
    ok = excess > 0
    g, c = np.polyfit(np.log(t[ok]), np.log(excess[ok]), 1)
    return float(np.exp((np.log(tol * eb_limit) - c) / g))


def check_convergence_time(func) -> CheckResult:
    """Check ``func(t, eb_values, eb_limit, tol) -> t*``: where a power-law excess reaches tol."""

    def body():
        t = np.geomspace(10, 1000, 30)
        limit = 0.5708
        excess = 2.0 * t**-0.4
        answer = (0.05 * limit / 2.0) ** (1 / -0.4)
        got = _number(_call(func, t.copy(), limit + excess, limit, 0.05), "the time your function returned")
        if not np.isfinite(got):
            return False, ("Your function returned NaN or inf. The data never reach the 5% band "
                           "here: fit a power law to the excess EB(t) - limit and extrapolate.")
        if np.isclose(got, (0.05 / 2.0) ** (1 / -0.4), rtol=1e-3):
            return False, "You used an absolute band of 0.05; 5% of the limit means |EB - limit| < 0.05 * limit."
        if np.isclose(got, t[-1]) or got <= t[-1]:
            return False, (f"You returned {got:.4g}, inside the data (t <= {t[-1]:.0f}), where EB is "
                           "still far from the limit: extrapolate the fitted power law beyond the data.")
        if not np.isclose(got, answer, rtol=1e-3):
            return False, (f"For EB(t) - limit = 2 t^-0.4 and limit 0.5708 the excess reaches 5% of "
                           f"the limit at t = {answer:.4g}; you returned {got:.4g}.")
        rng = np.random.default_rng(12)
        noisy = limit + excess * np.exp(rng.normal(0, 0.2, t.size))
        ref = convergence_time(t, noisy, limit, 0.05)
        got = _number(_call(func, t.copy(), noisy, limit, 0.05), "the time your function returned")
        if not np.isclose(got, ref, rtol=0.02):
            return False, (f"On noisy data you get {got:.4g}, a least-squares power-law fit of the "
                           f"excess gives {ref:.4g}: fit all points, not just two.")
        return True, "Correct! You extrapolate the power-law approach of EB to its limit."

    return _guard(body)


# ------------------------------------------------------------------ chapters 5-6: ML


def check_ergodic_labels(func) -> CheckResult:
    """Check ``func(model_labels) -> 0/1 labels`` (1 = ergodic: FBM, LW)."""
    from .datasets import ergodic_labels
    from .models import MODELS

    def body():
        labels = np.random.default_rng(28).integers(0, 5, 200).astype(np.float64)
        labels[:5] = np.arange(5)
        expected = ergodic_labels(labels)
        got = _array(_call(func, labels.copy()))
        if got.shape != expected.shape:
            return False, (f"Wrong shape: {got.shape}; expected one label per trajectory, "
                           f"{expected.shape}.")
        if np.all(got == 0):
            return False, ("Every label is 0 (non-ergodic). Then the network can score "
                           f"{np.mean(expected == 0):.0%} by always answering 'non-ergodic' and "
                           "learns nothing. FBM and LW trajectories must get 1.")
        if np.array_equal(got, 1 - expected):
            return False, "Your labels are swapped: 1 must mean ergodic (FBM, LW), 0 non-ergodic (ATTM, CTRW, SBM)."
        if not np.all(np.isin(got, [0, 1])):
            return False, "Labels must be 0 or 1 (1 = ergodic)."
        wrong = sorted({MODELS[int(m)] for m in labels[got != expected]})
        if wrong:
            return False, "Wrong label for these models: " + ", ".join(
                f"{m} should be {int(ergodic_labels([MODELS.index(m)])[0])}" for m in wrong) + "."
        return True, "Correct! 1 for FBM and LW, 0 for ATTM, CTRW and SBM."

    return _guard(body)


def check_prepare_data(func) -> CheckResult:
    """Check ``func(dataset, n_train) -> (x_train, y_train, x_val, y_val)``.

    The first ``n_train`` rows train, the rest validate; inputs are the normalized positions
    (:func:`anomdiff.normalize`) of shape (n, T, 1), targets the exponents (column 1).
    Catches the tutorial's bug: the validation set reshaped with the training count.
    """
    from .datasets import create_dataset, normalize

    def body():
        T = 30
        data = create_dataset(T, 7, [0.4, 0.9, 1.4], ["fbm", "sbm"], rng=29)
        data = data[np.random.default_rng(1).permutation(len(data))]
        n_train = 30
        try:
            out = _call(func, data.copy(), n_train)
        except _Problem as problem:
            text = str(problem)
            if "reshape" in text:
                text += (" A reshape count is wrong: the training set has n_train rows, the "
                         "validation set len(dataset) - n_train; use each set's own count (or -1).")
            raise _Problem(text) from None
        if not isinstance(out, (tuple, list)) or len(out) != 4:
            raise _Problem(f"Return four arrays (x_train, y_train, x_val, y_val); got {_describe(out)}.")
        names = ("x_train", "y_train", "x_val", "y_val")
        arrays = [_array(v, f"your {n}") for n, v in zip(names, out)]
        x = normalize(data[:, 2:])[..., None]
        expected = [x[:n_train], data[:n_train, 1], x[n_train:], data[n_train:, 1]]
        n_val = len(data) - n_train
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
                return False, msg
            if not np.allclose(got, want, rtol=1e-4, atol=1e-4):
                if name.startswith("x"):
                    raw = data[:n_train, 2:] if name == "x_train" else data[n_train:, 2:]
                    if np.allclose(got[..., 0], raw, rtol=1e-4, atol=1e-4):
                        return False, f"{name} holds the raw positions: normalize them with ad.normalize first."
                    rows = got[..., 0]
                    whole = [np.isclose(rows[i], x[:, :, 0], atol=1e-4).all(axis=1).any() for i in range(len(rows))]
                    if not all(whole):
                        return False, (f"Rows of {name} are not whole trajectories: the values were "
                                       f"reshaped with a wrong count. Each set needs its own count "
                                       f"({n_train} training, {n_val} validation rows).")
                    return False, f"{name} holds the wrong trajectories: training is the first n_train rows, validation the rest."
                if np.allclose(got, data[:n_train, 0] if name == "y_train" else data[n_train:, 0]):
                    return False, f"{name} holds the model labels (column 0); the exponents are column 1."
                return False, f"{name} does not match the exponents (column 1) of the same rows."
        return True, "Correct! Inputs (n, T, 1) normalized, targets aligned, each set reshaped with its own count."

    return _guard(body)


def _predictor(model):
    """A function x (n, T, 1) -> (n,) from a keras model or a plain function."""
    if model is None:
        raise _Problem("You passed None instead of your trained network.")
    predict = getattr(model, "predict", None)
    if predict is not None and callable(predict):
        def run(x):
            return predict(x, verbose=0)
        return run
    if callable(model):
        return model
    raise _Problem(f"Expected a trained keras model, got {_describe(model)}.")


def _predict_vector(model, x, what):
    run = _predictor(model)
    got = _array(_call(run, x, what=what), what)
    if got.ndim == 2 and got.shape[1] == 1:
        got = got[:, 0]
    if got.shape != (x.shape[0],):
        raise _Problem(f"{what[0].upper() + what[1:]} gave shape {got.shape}; expected one number per trajectory, ({x.shape[0]},) or ({x.shape[0]}, 1).")
    if not np.all(np.isfinite(got)):
        raise _Problem(f"{what[0].upper() + what[1:]} gave NaN or infinite values: the training diverged; lower the learning rate.")
    return got


def heldout_alpha(T, n_per_alpha=40, seed=2024):
    """Held-out FBM set of :func:`check_alpha_model`: (normalized x (n, T, 1), alpha (n,))."""
    from .datasets import create_dataset, normalize

    data = create_dataset(T, n_per_alpha, np.round(np.arange(0.15, 1.9, 0.1), 2), "fbm", rng=seed)
    return normalize(data[:, 2:])[..., None].astype(np.float32), data[:, 1]


def check_alpha_model(model, *, T, target_mae) -> CheckResult:
    """Evaluate a trained exponent regressor on a fresh held-out FBM set against a target MAE.

    The held-out set (:func:`heldout_alpha`) has exponents 0.15..1.85 and its own seed;
    inputs are normalized positions of shape (n, T, 1).
    """

    def body():
        x, alpha = heldout_alpha(T)
        pred = _predict_vector(model, x, "your network")
        mae = float(np.mean(np.abs(pred - alpha)))
        if pred.std() < 0.05:
            return False, (f"Your network predicts almost the same exponent ({pred.mean():.2f}) for "
                           f"every trajectory (MAE {mae:.3f}): it has not learned. Check that the "
                           "targets are the exponents and that inputs and targets stay aligned.")
        if mae >= target_mae:
            return False, (f"Held-out MAE {mae:.3f} does not beat the target {target_mae}. Try "
                           "increments instead of positions, dilated convolutions, global pooling, "
                           "or a few more epochs.")
        return True, f"Correct! Held-out MAE {mae:.3f} beats the target {target_mae}."

    return _guard(body)


def heldout_ergodic(T, n_per_pair=6, seed=2025):
    """Held-out set of :func:`check_classifier`: (normalized x, 0/1 labels, model labels)."""
    from .datasets import ergodic_labels, normalize
    from .ml import ergodicity_dataset

    data = ergodicity_dataset(T, n_per_pair, rng=seed)
    x = normalize(data[:, 2:])[..., None].astype(np.float32)
    return x, ergodic_labels(data[:, 0]), data[:, 0].astype(int)


def check_classifier(model, *, T, target_accuracy) -> CheckResult:
    """Evaluate an ergodic (1) / non-ergodic (0) classifier on a fresh balanced held-out set."""
    from .models import MODELS

    def body():
        x, y, models = heldout_ergodic(T)
        prob = _predict_vector(model, x, "your network")
        pred = (prob >= 0.5).astype(int)
        acc = float(np.mean(pred == y))
        if np.all(pred == pred[0]):
            return False, (f"Your network answers {'ergodic' if pred[0] else 'non-ergodic'} for every "
                           f"trajectory (accuracy {acc:.0%}, chance level). Check the labels: are "
                           "they all 0? FBM and LW must be 1.")
        if acc < 0.4:
            return False, f"Accuracy {acc:.0%}, worse than chance: are your labels swapped (1 must mean ergodic)?"
        if acc < target_accuracy:
            per = ", ".join(f"{MODELS[k]} {np.mean(pred[models == k] == y[models == k]):.0%}" for k in np.unique(models))
            return False, (f"Held-out accuracy {acc:.1%} is below the target {target_accuracy:.0%} "
                           f"(per model: {per}). Train longer or improve the network.")
        return True, f"Correct! Held-out accuracy {acc:.1%} beats the target {target_accuracy:.0%}."

    return _guard(body)
