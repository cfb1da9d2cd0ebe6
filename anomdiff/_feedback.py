"""The engine behind :mod:`anomdiff.checks`: run a learner's answer, judge it, say why.

A check is a plain function decorated with :func:`check`. Its body returns the success
message (``"Correct! ..."``) or raises :class:`Problem` with the words the learner should
read; that is the only way to fail. The decorator prints the verdict and returns a
:class:`CheckResult`; whatever goes wrong inside, the learner gets a "Not yet." message,
never a traceback.

The few tools a body needs:

* :func:`call` runs the learner's function and turns every failure (``None`` instead of a
  function, a ``NotImplementedError`` stub, any exception) into a :class:`Problem` that
  points at the learner's own line.
* :func:`as_array`, :func:`as_number` turn a returned value into numbers or say why they can't.
* :func:`compare` (and :func:`mismatch`) compare arrays and diagnose the usual mistakes:
  wrong shape, transposed, averaged over the wrong axis, one too many or too few, a known
  wrong formula (``alternatives``), a constant factor, or the position of the largest error.
* :func:`timed` decides whether the learner's code is fast enough *by measurement*: it runs
  the code on growing slices of the input (1/256, 1/64, 1/16, 1/4 of it, then all of it),
  extrapolates the next run's time from the last ones, and stops as soon as the
  extrapolation exceeds the time limit. Nothing is interrupted: no signal handler can fire
  inside another library's callback (SIGALRM used to land in JAX's garbage-collection hook
  and be lost), and the check works in any thread and on every platform. The cost is that
  the largest run the check starts can take up to about the limit itself.

Adding a check: write ``@check def check_xxx(answer): ...`` in :mod:`anomdiff.checks`
using these functions.

>>> @check
... def check_double(func):
...     got = as_number(call(func, 2.0), "your result")
...     if got != 4.0:
...         raise Problem(f"double(2) should be 4, you returned {got:g}.")
...     return "Correct! You doubled it."
>>> check_double(lambda x: 2 * x).passed
Correct! You doubled it.
True
>>> check_double(lambda x: x + 1).passed
Not yet. double(2) should be 4, you returned 3.
False
"""

from __future__ import annotations

import functools
import time
import traceback
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["CheckResult", "Problem", "check", "call", "as_array", "as_number", "describe",
           "mismatch", "compare", "timed", "singular"]


class CheckResult(NamedTuple):
    """Outcome of a check: ``passed`` and the ``message`` that was printed.

    Truthy when the answer passed, so ``assert check_tamsd(my_tamsd)`` works. In a notebook
    it shows nothing of its own (the check already printed its message).

    Parameters
    ----------
    passed : bool
        Whether the answer passed.
    message : str
        The printed verdict ("Correct! ..." or "Not yet. ...").

    See Also
    --------
    check : the decorator that makes checks return it.

    Examples
    --------
    >>> r = CheckResult(False, "Not yet. Try again.")
    >>> bool(r), r
    (False, CheckResult(passed=False))
    """

    passed: bool
    message: str

    def __bool__(self) -> bool:
        return bool(self.passed)

    def __repr__(self) -> str:
        return f"CheckResult(passed={self.passed})"

    def _ipython_display_(self) -> None:
        # IPython calls this instead of showing the repr: the verdict is already printed, so
        # a check on a cell's last line adds no "CheckResult(...)" output.
        return None


class Problem(Exception):
    """The learner's answer has a problem; ``str(problem)`` is what the learner reads."""


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _report(passed: bool, message: str) -> CheckResult:
    text = message if passed else "Not yet. " + message
    print(text)
    return CheckResult(bool(passed), text)


def check(body):
    """Turn a check body into a function that prints its verdict and returns a CheckResult.

    ``body`` returns the success message or raises :class:`Problem`. Any other exception
    (a case the check's author did not foresee) still becomes a "Not yet." message that
    names it, so a check never raises at the learner.
    """

    @functools.wraps(body)
    def run(*args, **kwargs) -> CheckResult:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                message = body(*args, **kwargs)
        except Problem as problem:
            return _report(False, str(problem))
        except Exception as err:  # noqa: BLE001 - the safety net: never a traceback
            return _report(False, (
                f"The check could not use your answer: {type(err).__name__}: {err}. Look at "
                "what your code returns (type, shape, size of the numbers) and try again."))
        return _report(True, message)

    return run


def describe(value) -> str:
    """A few words naming a value's kind: "None", "an array of shape (3,)", "a list of length 2"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    if isinstance(value, (list, tuple)):
        return f"a {name} of length {len(value)}"
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name}"


def _learner_line(err: BaseException) -> str:
    """Where the learner's code failed: its own last line, not numpy's internals."""
    frames = traceback.extract_tb(err.__traceback__)[1:] or traceback.extract_tb(err.__traceback__)
    own = [f for f in frames if "site-packages" not in f.filename and "/lib/python" not in f.filename
           and not f.filename.endswith(("_feedback.py", "checks.py"))]
    if not (own or frames):
        return ""
    where = (own or frames)[-1]
    code = (where.line or "").strip()
    return f" (line {where.lineno}: `{code}`)" if code else f" (line {where.lineno})"


def call(func, *args, what="your function", explain=None, **kwargs):
    """Call the learner's ``func(*args, **kwargs)``; every failure becomes a :class:`Problem`.

    Returning None counts as a failure (a forgotten ``return``).

    ``what`` names the answer in messages; ``explain(err)`` may return an extra sentence for
    an exception the check can interpret (e.g. a shape error from averaging over the wrong
    axis), or None.
    """
    if func is None:
        raise Problem(f"You passed None instead of {what}. Define it in the exercise cell "
                      "above, run that cell, then run this check again.")
    if not callable(func):
        raise Problem(f"Expected {what} (something you can call, defined with def), but got "
                      f"{describe(func)}. Pass the function itself, without calling it: "
                      "check_xxx(my_function), not check_xxx(my_function(...)).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = func(*args, **kwargs)
    except NotImplementedError:
        raise Problem(f"{_capital(what)} is not written yet: it still raises "
                      "NotImplementedError. Replace the `raise NotImplementedError(...)` line "
                      "with your code and run the cell again.") from None
    except Exception as err:  # noqa: BLE001 - any learner error becomes feedback
        hint = ""
        if type(err).__name__ == "LinAlgError" or "SVD did not converge" in str(err):
            hint = (" This usually means NaN or infinite values reached a fit: log(0) = -inf "
                    "(a time or lag of 0, an MSD of 0) or the log of a negative number.")
        extra = explain(err) if explain is not None else None
        if extra:
            hint += " " + extra
        raise Problem(f"{_capital(what)} raised {type(err).__name__}: {err}{_learner_line(err)}."
                      f"{hint}") from None
    if result is None:
        raise Problem(f"{_capital(what)} returned None. Did you forget `return`?")
    return result


def as_array(value, what="your function", explain=None) -> np.ndarray:
    """``value`` as a float64 array, or a :class:`Problem` saying why it is not one.

    ``explain(err)`` may add a sentence when the conversion fails (e.g. rows of unequal
    length from averaging over the wrong axis).
    """
    if value is None:
        raise Problem(f"{_capital(what)} returned None. Did you forget `return`?")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise Problem(f"{_capital(what)} returned numbers too large for a float (beyond "
                      "1.8e308): look for a power or an exponential that blows up.") from None
    except Exception as err:  # noqa: BLE001 - lists of unequal rows, strings, objects, ...
        extra = explain(err) if explain is not None else None
        ragged = isinstance(err, ValueError) and "inhomogeneous" in str(err)
        why = (" Its parts have different lengths, so they do not form one array."
               if ragged else "")
        raise Problem(f"{_capital(what)} returned {describe(value)}, which is not an array of "
                      f"numbers.{why}" + (f" {extra}" if extra else "")) from None


def as_number(value, what="your answer") -> float:
    """``value`` as one float, or a :class:`Problem` saying why it is not a single number."""
    if value is None:
        raise Problem(f"{_capital(what)} is None. Did you forget `return` or to assign it?")
    if isinstance(value, (str, bytes)):
        raise Problem(f"{_capital(what)} should be a number, not the text {value!r}.")
    try:
        arr = np.asarray(value, dtype=object)
        size = arr.size
    except Exception:  # noqa: BLE001 - ragged nests and objects that refuse conversion
        size = -1
    if size != 1:
        raise Problem(f"{_capital(what)} should be a single number, but it is {describe(value)}.")
    try:
        return float(arr.ravel()[0])
    except OverflowError:
        raise Problem(f"{_capital(what)} is too large for a float (beyond 1.8e308): look for "
                      "a power or an exponential that blows up.") from None
    except Exception:  # noqa: BLE001
        raise Problem(f"{_capital(what)} should be a number, but it is {describe(value)}.") from None


def singular(axis: str) -> str:
    """Singular of an axis name: "trajectories" -> "trajectory", "lags" -> "lag"."""
    return axis[:-3] + "y" if axis.endswith("ies") else axis[:-1]


def _plural(name: str) -> bool:
    """Whether a name like "exponents" takes a plural verb (but not "TA-MSD" or "EB(t)")."""
    noun = name.split(" at ")[0].split()[-1]
    return noun.endswith("s") and not noun.endswith("ss")


def _close(a, b, rtol=1e-6, atol=1e-9) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _shape_text(shape) -> str:
    return " x ".join(str(s) for s in shape)


def mismatch(got, expected, *, name, axes, alternatives=(), shapes=None, transposable=True):
    """None if ``got`` equals ``expected``, else one message saying what is wrong.

    Parameters
    ----------
    got, expected : ndarray
        The learner's array and the right one.
    name : str
        What the array is, for messages ("TA-MSD").
    axes : sequence of str
        Plural names of ``expected``'s axes, e.g. ("trajectories", "lags").
    alternatives : sequence of (ndarray, str)
        Typical wrong answers and what each means; the first that matches ``got`` explains it.
    shapes : dict, optional
        Wrong shapes with no specific alternative, mapped to a hint (e.g. ``{(N,): "One value
        per trajectory: ..."}``); used only if no alternative matched, so no advice repeats.
    transposable : bool
        Whether to diagnose a transposed 2-D answer.
    """
    for alt, why in alternatives:
        if alt.shape == got.shape and _close(got, alt, rtol=1e-5):
            if got.shape == expected.shape and _close(got, expected):
                break  # the wrong formula happens to agree here: judge by ``expected``
            prefix = "" if got.shape == expected.shape else (
                f"Wrong shape: your {name} has shape {got.shape}, expected {expected.shape}. ")
            return prefix + why
    if got.shape != expected.shape:
        want = " x ".join(f"{n} {a}" for n, a in zip(expected.shape, axes))
        msg = f"Wrong shape: your {name} has shape {got.shape}, expected {expected.shape} ({want})."
        for alt, why in alternatives:
            if alt.size == got.size and alt.shape != got.shape and _close(got.ravel(), alt.ravel(), rtol=1e-5):
                return msg + " " + why
        if shapes and tuple(got.shape) in shapes:
            return msg + " " + shapes[tuple(got.shape)]
        if transposable and expected.ndim == 2 and got.shape == expected.T.shape:
            return msg + f" It looks transposed: put {axes[0]} on the rows and {axes[1]} on the columns."
        if expected.ndim == 2 and got.ndim == 1:
            if got.shape[0] == expected.shape[1]:
                return msg + f" One value per {singular(axes[1])}: did you average over {axes[0]}?"
            if got.shape[0] == expected.shape[0]:
                return msg + f" One value per {singular(axes[0])}: did you average over {axes[1]}?"
        if expected.ndim == 1 and got.ndim == 1 and abs(got.shape[0] - expected.shape[0]) == 1:
            more = "many" if got.shape[0] > expected.shape[0] else "few"
            return msg + (f" You have one {singular(axes[0])} too {more}: an off-by-one in a "
                          "range or slice?")
        if got.ndim == 0 or got.size == 1:
            return msg + f" You returned a single number: return one value per {singular(axes[-1])}."
        return msg
    if not np.all(np.isfinite(got)):
        bad = int(np.sum(~np.isfinite(got)))
        verb = "contain" if _plural(name) else "contains"
        return (f"Your {name} {verb} {bad} NaN or infinite value(s). Look for a division by "
                "zero or a log of zero.")
    if _close(got, expected):
        return None
    with np.errstate(all="ignore"):
        ratio = got / expected
    finite = ratio[np.isfinite(ratio) & (np.abs(expected) > 1e-12)]
    if finite.size and np.allclose(finite, finite.mean(), rtol=1e-6):
        r = float(finite.mean())
        hint = ""
        if np.isclose(r, 2) or np.isclose(r, 0.5):
            hint = " A factor 2 often comes from a stray 2 (e.g. 2 * sigma**2) or a sum over two terms."
        if r < 0:
            hint = " Check the sign."
        are, it = ("are", "they are") if _plural(name) else ("is", "it is")
        return (f"Your {name} {are} off by a constant factor: {it} {r:.4g} times the right "
                f"value.{hint}")
    with np.errstate(all="ignore"):
        diff = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-12)
    idx = np.unravel_index(int(np.argmax(diff)), diff.shape)
    where = ", ".join(f"{singular(a)} index {i}" for a, i in zip(axes, idx))
    values = "" if got.ndim == 0 else f" at {where}"
    has = "have" if _plural(name) else "has"
    return (f"Your {name} {has} the right shape but wrong values: the largest difference is"
            f"{values}: yours {got[idx]:.6g}, expected {expected[idx]:.6g}.")


def compare(got, expected, **kwargs) -> None:
    """Raise a :class:`Problem` with :func:`mismatch`'s message unless ``got`` equals ``expected``."""
    msg = mismatch(got, expected, **kwargs)
    if msg:
        raise Problem(msg)


def _best_time(func, args, repeat=3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        func(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def _slice(args, axis, n):
    x = args[0]
    index = [slice(None)] * np.ndim(x)
    index[axis] = slice(0, n)
    return (x[tuple(index)],) + tuple(args[1:])


def _run_time(func, args) -> float:
    """Seconds one call of the learner's ``func(*args)`` takes (errors as :class:`Problem`)."""
    t0 = time.perf_counter()
    call(func, *args)
    return time.perf_counter() - t0


def timed(func, reference, args, *, axis=0, factor=30.0, floor=0.5, smallest=8, hint=""):
    """Judge the speed of the learner's ``func(*args)`` against ``reference(*args)``, by measurement.

    The limit is ``max(factor * t_ref, floor)`` seconds, with ``t_ref`` the reference's best
    of three runs on the full input. ``func`` runs on the first 1/256, 1/64, 1/16, 1/4 and
    finally all of ``args[0]`` along ``axis`` (never fewer than ``smallest``). After each run
    the next run's time is extrapolated (linearly in the size, or as the power between 1
    and 2 seen in the last two runs when both took over 50 ms); once the extrapolation
    exceeds the limit the check stops and reports. Nothing is
    interrupted, so no signal can fire inside other libraries' callbacks.

    Returns None if ``func`` is fast enough; raises :class:`Problem` if it is too slow or
    fails on a larger input.
    """
    t_ref = _best_time(reference, args)
    allowed = max(factor * t_ref, floor)
    full = np.shape(args[0])[axis]
    sizes = sorted({max(min(smallest, full), full // k) for k in (256, 64, 16, 4)} | {full})
    shape = list(np.shape(args[0]))
    history = []  # (size, seconds)
    for n in sizes:
        if len(history) >= 1:
            n1, t1 = history[-1]
            p = 1.0
            if len(history) >= 2:
                n0, t0_ = history[-2]
                # Trust a superlinear growth only between timings long enough to be
                # meaningful on a busy machine; never assume worse than quadratic.
                if t0_ > 0.05 and n1 > n0:
                    p = float(np.clip(np.log(t1 / t0_) / np.log(n1 / n0), 1.0, 2.0))
            predicted = t1 * (n / n1) ** p
            if predicted > allowed:  # a busy machine can stall one run: time it once more
                t1 = min(t1, _run_time(func, _slice(args, axis, n1)))
                history[-1] = (n1, t1)
                predicted = t1 * (n / n1) ** p
            if predicted > allowed:
                shape[axis] = n1
                full_shape = list(np.shape(args[0]))
                took = f"{t1:.2f} s on a {_shape_text(shape)} input"
                raise Problem(
                    f"Your values are right, but your code is too slow: it took {took}, so a "
                    f"{_shape_text(full_shape)} input would take about {t1 * (full / n1) ** p:.1f} s "
                    f"(the check stopped there), where the library takes {t_ref * 1e3:.0f} ms. "
                    f"{hint}".strip())
        shape[axis] = n
        try:
            history.append((n, _run_time(func, _slice(args, axis, n))))
        except Problem as problem:
            raise Problem(f"Right on the small test, but on a larger {_shape_text(shape)} "
                          f"input: {problem}") from None
    took = history[-1][1]
    if took > allowed:
        raise Problem(
            f"Your values are right, but your code is too slow: {took:.2f} s on a "
            f"{_shape_text(shape)} input, where the library takes {t_ref * 1e3:.0f} ms. "
            f"{hint}".strip())
    return None
