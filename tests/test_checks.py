"""The exercise self-checks: right answers pass, typical wrong answers get the right words.

Every check must also survive answers that are not answers (None, a list, a function that
raises, a NotImplementedError stub) and report instead of raising.
"""

import importlib
import subprocess
import sys

import numpy as np
import pytest

import anomdiff as ad
from anomdiff import checks


def run(check, *args, **kwargs):
    """Run a check; return (passed, printed text), asserting it printed its message."""
    result = check(*args, **kwargs)
    assert isinstance(result, checks.CheckResult)
    assert isinstance(result.passed, bool)
    assert bool(result) is result.passed
    return result.passed, result.message


def stub(*args, **kwargs):
    raise NotImplementedError("Exercise: write your code here")


def broken(*args, **kwargs):
    return 1 / 0


def returns_none(*args, **kwargs):
    return None


# Checks taking a function, with a right answer for each.
FUNCTION_CHECKS = {
    "check_loglog_slope": lambda t, m: np.polyfit(np.log(t), np.log(m), 1)[0],
    "check_tamsd": ad.tamsd,
    "check_eamsd": ad.eamsd,
    "check_teamsd": ad.teamsd,
    "check_fit_alpha": ad.fit_alpha,
    "check_add_noise": lambda x, s, rng: x + rng.normal(0, s, x.shape),
    "check_noise_correction": lambda x, lags, s: ad.fit_alpha(x, lags, sigma=s),
    "check_eb": lambda x, lag: ad.eb(x, lag)[1],
    "check_convergence_time": checks._convergence_time,
    "check_eb_brownian": lambda lag, t: ad.theory.eb("fbm", 1.0, lag, t),
    "check_ergodicity_report": lambda x, lag: (
        ad.eb(x, lag)[1][-1], ad.teamsd(x, [lag])[0] / ad.eamsd(x)[lag]),
    "check_aged_teamsd": checks._aged_teamsd,
    "check_ergodic_labels": lambda m, a: (np.isin(m, [2, 3]) | (np.asarray(a) == 1)).astype(int),
    "check_tamsd_loop": lambda x, lag: float(np.mean((x[lag:] - x[:-lag]) ** 2)),
    "check_step_variance": lambda model, t, a: (
        (np.asarray(t) + 1.0) ** a - np.asarray(t, float) ** a if model == "sbm" else np.ones(len(t))),
    "check_levy_alpha": lambda s: np.where(np.asarray(s) <= 1, 2.0, 3 - np.asarray(s)),
    "check_noise_offset": lambda s, d: 2 * d * s**2,
    "check_gradient_steps": lambda n, e, b: e * int(np.ceil(n / b)),
    "check_accuracy": lambda y, p: float(np.mean((np.ravel(p) >= 0.5) == np.ravel(y))),
    "check_group_eb": lambda g, lag: ad.eb(g, lag)[1][-1],
    "check_increment_correlation": lambda x: (lambda d: np.mean(d[:, 1:] * d[:, :-1], axis=1) / np.mean(d**2, axis=1))(np.diff(x, axis=1)),
    "check_which_model": lambda x: (
        "ctrw" if np.mean(np.diff(x, axis=1) == 0) > 0.1
        else "sbm" if np.diff(x, axis=1)[:, -50:].var() < 0.5 * np.diff(x, axis=1)[:, :20].var() else "fbm"),
    "check_prepare_data": lambda d, n: (
        ad.normalize(d[:n, 2:])[..., None], d[:n, 1], ad.normalize(d[n:, 2:])[..., None], d[n:, 1]),
}


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
def test_right_answer_passes(name, capsys):
    passed, message = run(getattr(checks, name), FUNCTION_CHECKS[name])
    assert passed, message
    assert message.startswith("Correct!")
    assert message in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
@pytest.mark.parametrize("answer, words", [
    (None, "passed None"),
    ([1, 2, 3], "Expected your function"),
    (np.zeros(3), "Expected your function"),
    (stub, "not written yet"),
    (broken, "raised ZeroDivisionError"),
    (returns_none, "None"),
])
def test_non_answers_are_reported(name, answer, words):
    passed, message = run(getattr(checks, name), answer)
    assert not passed
    assert message.startswith("Not yet.")
    assert words in message, message
    if answer is returns_none:  # the learner is told what to do, whatever the check reads
        assert "forget `return`" in message, message


def returns_huge(*args, **kwargs):
    return 10**400  # OverflowError on conversion to float


def returns_huge_list(*args, **kwargs):
    return [10**400, 1.0]


class Unconvertible:
    def __array__(self, *args, **kwargs):
        return 1 / 0

    def __float__(self):
        return 1 / 0


def returns_unconvertible(*args, **kwargs):
    return Unconvertible()


def returns_ragged(*args, **kwargs):
    return (np.arange(3.0), [1.0, [2.0, 3.0]])


def returns_text(*args, **kwargs):
    return "0.5"


@pytest.mark.parametrize("name", sorted(FUNCTION_CHECKS))
@pytest.mark.parametrize("answer", [returns_huge, returns_huge_list, returns_unconvertible,
                                    returns_ragged, returns_text])
def test_fuzzer_answers_never_raise(name, answer):
    """The fuzzer's inputs (issue 13): every check reports, in words, instead of raising."""
    passed, message = run(getattr(checks, name), answer)
    assert not passed
    assert message.startswith("Not yet.") and len(message) > 30, message
    assert "Traceback" not in message


def test_huge_numbers_get_plain_words():
    passed, message = run(checks.check_loglog_slope, returns_huge)
    assert not passed and "too large for a float" in message, message
    passed, message = run(checks.check_tamsd, returns_huge)
    assert not passed and "too large for a float" in message, message


def test_eb_on_a_ragged_tuple():
    passed, message = run(checks.check_eb, returns_ragged)
    assert not passed and "different lengths" in message, message


def test_check_result_is_quiet_and_truthy():
    from IPython.core.formatters import DisplayFormatter

    result = checks.CheckResult(True, "Correct!")
    assert result and not checks.CheckResult(False, "Not yet.")
    assert repr(result) == "CheckResult(passed=True)"
    # A check on a cell's last line shows only its printed verdict: IPython formats the
    # result to nothing (no "CheckResult(...)" echo), while it would show a plain tuple.
    data, metadata = DisplayFormatter().format(result)
    assert data == {} and metadata == {}
    assert DisplayFormatter().format(("x", 1))[0] == {"text/plain": "('x', 1)"}


def test_import_anomdiff_loads_neither_keras_nor_matplotlib():
    code = ("import sys, anomdiff, anomdiff.checks; "
            "print(any(m.split('.')[0] in ('keras', 'matplotlib', 'jax') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------ chapter 1


@pytest.mark.parametrize("func, words", [
    (lambda t, m: np.polyfit(np.log(m), np.log(t), 1)[0], "1/alpha"),
    (lambda t, m: np.polyfit(np.log(t), np.log(m), 1)[1], "intercept"),
    (lambda t, m: np.polyfit(np.log(t), np.log(m), 1), "single number"),
    (lambda t, m: np.log(m[-1] / m[0]) / np.log(t[-1] / t[0]), "first and last points"),
    (lambda t, m: np.polyfit(np.log(np.r_[0, t[1:]]), np.log(m), 1)[0], "log(0)"),
    (lambda t, m: np.polyfit(np.log(t - 1), np.log(m), 1)[0], "log(0)"),
    (lambda t, m: np.polyfit(t, m, 1)[0], "expected 0.7"),
])
def test_loglog_slope_wrong(func, words):
    passed, message = run(checks.check_loglog_slope, func)
    assert not passed and words in message, message


ALPHAS = {"attm": 0.5, "ctrw": 0.5, "fbm": 0.5, "lw": 1.5, "sbm": 1.5}


def _theory(model):
    return checks._theory_slope(model, ALPHAS[model], 10, 999)  # private reference


def test_ea_exponents():
    right = {m: _theory(m) + 0.03 for m in ALPHAS}
    assert run(checks.check_ea_exponents, right, ALPHAS)[0]
    half = dict(right, fbm=_theory("fbm") / 2)
    passed, message = run(checks.check_ea_exponents, half, ALPHAS)
    assert not passed and "fbm" in message and "root-mean-square" in message
    passed, message = run(checks.check_ea_exponents, {"fbm": 0.5}, ALPHAS)
    assert not passed and "no exponent for: attm, ctrw, lw, sbm" in message
    for bad in (None, [0.5] * 5, dict(right, lw=None), dict(right, sbm=[1, 2])):
        passed, message = run(checks.check_ea_exponents, bad, ALPHAS)
        assert not passed


# ------------------------------------------------------------------ chapter 2


def _loop_tamsd(x, lags):
    return np.array([[np.mean((row[lag:] - row[:-lag]) ** 2) for lag in lags] for row in x])


@pytest.mark.parametrize("func, words", [
    (lambda x, lags: ad.tamsd(x, lags).T, "transposed"),
    (lambda x, lags: ad.tamsd(x, lags).mean(axis=0), "TEA-MSD"),
    (lambda x, lags: ad.tamsd(x, lags).mean(axis=1), "average over lags"),
    (lambda x, lags: ad.tamsd(x, lags) * (x.shape[1] - np.asarray(lags)) / x.shape[1], "divide by T - lag"),
    (lambda x, lags: ad.tamsd(x, np.asarray(lags) + 1), "lag + 1"),
    (lambda x, lags: ad.tamsd(x, np.asarray(lags) - 1), "lag - 1"),
    (lambda x, lags: 2 * ad.tamsd(x, lags), "constant factor"),
    (lambda x, lags: np.sqrt(ad.tamsd(x, lags)), "square root"),
    (lambda x, lags: ad.tamsd(x, lags).tolist(), None),  # a nested list of the right values is fine
    (lambda x, lags: ad.tamsd(x, lags) + np.where(np.arange(len(x))[:, None] == 2, 1.0, 0.0), "trajectory index 2"),
    (lambda x, lags: np.squeeze(ad.tamsd(x, lags)), "Avoid squeeze"),
    (_loop_tamsd, "too slow"),
    (lambda x, lags: ad.tamsd(x, lags) if len(x) < 1000 else 1 / 0, "on a larger 1562 x 16 input"),
    (lambda x, lags: np.stack([np.mean((x[:, lag:] - x[:, :-lag]) ** 2, axis=0) for lag in lags], axis=1),
     "averages over time (axis=1)"),
    (lambda x, lags: [np.mean((x[:, lag:] - x[:, :-lag]) ** 2, axis=0) for lag in lags],
     "averages over time (axis=1)"),
])
def test_tamsd_wrong(func, words):
    passed, message = run(checks.check_tamsd, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (lambda x: np.mean(x**2, axis=0), "subtract each trajectory's start"),
    (lambda x: np.mean((x - x[:, :1]) ** 2, axis=1), "averaged over time"),
    (lambda x: ad.eamsd(x)[1:], "dropped t = 0"),
    (lambda x: np.sqrt(ad.eamsd(x)), "square root"),
    (lambda x: 3 * ad.eamsd(x), "constant factor"),
])
def test_eamsd_wrong(func, words):
    passed, message = run(checks.check_eamsd, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (ad.tamsd, "mean over trajectories"),
    (lambda x, lags: ad.tamsd(x, lags).mean(axis=1), "averaged over lags"),
    (lambda x, lags: ad.teamsd(x, np.asarray(lags) + 1), "lag + 1"),
    (lambda x, lags: (ad.tamsd(x, lags) * (x.shape[1] - np.asarray(lags)) / x.shape[1]).mean(axis=0), "divide by T - lag"),
])
def test_teamsd_wrong(func, words):
    passed, message = run(checks.check_teamsd, func)
    assert not passed and words in message, message


def _vectorized_fit(x, lags):
    return np.polyfit(np.log(lags), np.log(ad.tamsd(x, lags)).T, 1)[0]


def _loop_fit(x, lags):
    return np.array([np.polyfit(np.log(lags), np.log(ad.tamsd(row, lags)), 1)[0] for row in x])


def test_fit_alpha():
    assert run(checks.check_fit_alpha, _vectorized_fit)[0]
    passed, message = run(checks.check_fit_alpha, lambda x, lags: np.polyfit(np.log(lags), np.log(ad.teamsd(x, lags)), 1)[0])
    assert not passed and "TEA-MSD" in message
    passed, message = run(checks.check_fit_alpha, lambda x, lags: 1 / ad.fit_alpha(x, lags))
    assert not passed and "1/alpha" in message
    passed, message = run(checks.check_fit_alpha, _loop_fit)
    assert not passed and "too slow" in message and "np.polyfit" in message


def test_ergodic_guess():
    assert run(checks.check_ergodic_guess, {"fbm": True, "ctrw": False})[0]
    passed, message = run(checks.check_ergodic_guess, {"fbm": True, "ctrw": True})
    assert not passed and "ctrw is non-ergodic" in message
    for bad, words in [(None, "Expected a dict"), ({}, "Expected a dict"), ({"brownian": True}, "not a model"),
                       ({"fbm": "yes"}, "True or False")]:
        passed, message = run(checks.check_ergodic_guess, bad)
        assert not passed and words in message, message


# ------------------------------------------------------------------ chapter 3


def _in_place(x, s, rng):
    x += rng.normal(0, s, x.shape)
    return x


@pytest.mark.parametrize("func, words", [
    (_in_place, "in place"),
    (lambda x, s, rng: x + rng.normal(0, s**2, x.shape), "not the variance"),
    (lambda x, s, rng: x + np.cumsum(rng.normal(0, s, x.shape), axis=1), "grows along the trajectory"),
    (lambda x, s, rng: x + rng.normal(0, s, x.shape[1]), "same noise"),
    (lambda x, s, rng: x, "no noise"),
    (lambda x, s, rng: x + rng.normal(0, 2 * s, x.shape), "expected sigma"),
    (lambda x, s, rng: x[:, 1:] + rng.normal(0, s, (x.shape[0], x.shape[1] - 1)), "Wrong shape"),
])
def test_add_noise_wrong(func, words):
    passed, message = run(checks.check_add_noise, func)
    assert not passed and words in message, message


def _fit_minus(k):
    def fit(x, lags, s):
        return np.polyfit(np.log(lags), np.log(ad.tamsd(x, lags) - k(s)).T, 1)[0]
    return fit


@pytest.mark.parametrize("func, words", [
    (lambda x, lags, s: ad.fit_alpha(x, lags), "did not correct"),
    (_fit_minus(lambda s: s**2), "subtract 2 sigma**2"),
    (_fit_minus(lambda s: 2 * s), "a variance"),
    (_fit_minus(lambda s: -2 * s**2), "subtract it instead"),
    (_fit_minus(lambda s: 2 * s**2), None),
])
def test_noise_correction(func, words):
    passed, message = run(checks.check_noise_correction, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


SIGMAS = [0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0]


def test_breakdown():
    ref = checks._breakdown_sigma(SIGMAS, seed=0)
    i = SIGMAS.index(ref)
    assert run(checks.check_breakdown, ref, SIGMAS, seed=0)[0]
    passed, message = run(checks.check_breakdown, SIGMAS[i + 1], SIGMAS, seed=0)
    assert passed and "statistical scatter" in message
    passed, message = run(checks.check_breakdown, SIGMAS[0], SIGMAS, seed=0)
    assert not passed and "too small" in message
    passed, message = run(checks.check_breakdown, 0.42, SIGMAS, seed=0)
    assert not passed and "not one of the sigmas" in message
    for bad in (None, [1.0, 1.5], "1.5"):
        passed, message = run(checks.check_breakdown, bad, SIGMAS, seed=0)
        assert not passed


# ------------------------------------------------------------------ chapter 4


def _eb_parts(x, lag):
    d = np.cumsum((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)
    return d / np.arange(1, d.shape[1] + 1)


def _loop_eb(x, lag):
    out = []
    for t in range(lag + 1, x.shape[1] + 1):
        m = ad.tamsd(x[:, :t], [lag])[:, 0]
        out.append(np.mean(m**2) / np.mean(m) ** 2 - 1)
    return np.array(out)


@pytest.mark.parametrize("func, words", [
    (lambda x, lag: ad.eb(x, lag), None),  # (t, EB) pair: accepted with a note
    (lambda x, lag: ad.eb(x, lag)[1] + 1, "forgot the - 1"),
    (lambda x, lag: np.var(_eb_parts(x, lag), axis=0, ddof=1) / np.mean(_eb_parts(x, lag), axis=0) ** 2, "ddof=1"),
    (lambda x, lag: ad.eb(x, lag)[1][-1], "one number"),
    (lambda x, lag: ad.eb(x, lag)[1][1:], "too few"),
    (lambda x, lag: np.var(_eb_parts(x, lag), axis=1) / np.mean(_eb_parts(x, lag), axis=1) ** 2, "averages over trajectories"),
    (_loop_eb, "too slow"),
])
def test_eb(func, words):
    passed, message = run(checks.check_eb, func)
    if words is None:
        assert passed and "pair" in message, message
    else:
        assert not passed and words in message, message


def test_convergence_time():
    absolute = lambda t, e, lim, tol=0.05: checks._convergence_time(t, e, lim, tol / lim)
    passed, message = run(checks.check_convergence_time, absolute)
    assert not passed and "5% of the limit" in message
    inside = lambda t, e, lim, tol=0.05: float(t[np.argmin(np.abs(e - lim))])
    passed, message = run(checks.check_convergence_time, inside)
    assert not passed and "extrapolate" in message
    two_points = lambda t, e, lim, tol=0.05: float(np.exp(np.log(tol * lim / (e[0] - lim)) / (
        np.log((e[-1] - lim) / (e[0] - lim)) / np.log(t[-1] / t[0]))) * t[0])
    passed, message = run(checks.check_convergence_time, two_points)
    assert not passed and "fit all points" in message


# ------------------------------------------------------------------ chapters 5-6


def _labels(m, a):
    return (np.isin(m, [2, 3]) | (np.asarray(a) == 1)).astype(int)


@pytest.mark.parametrize("func, words", [
    (lambda m, a: np.zeros(len(m), int), "Every label is 0"),
    (lambda m, a: 1 - _labels(m, a), "swapped"),
    (lambda m, a: (np.isin(m, [2]) | (a == 1)).astype(int), "lw should be 1"),
    (lambda m, a: (np.isin(m, [2, 3, 4]) | (a == 1)).astype(int), "sbm should be 0"),
    (lambda m, a: np.isin(m, [2, 3]).astype(int), "at alpha = 1 every model"),
    (lambda m, a: _labels(m, a)[:-1], "Wrong shape"),
    (lambda m, a: 2 * _labels(m, a), "0 or 1"),
])
def test_ergodic_labels_wrong(func, words):
    """The course's rule: ergodic = FBM or LW, or any model at alpha = 1."""
    passed, message = run(checks.check_ergodic_labels, func)
    assert not passed and words in message, message


def _prep(x_of, n_val_count=None, y_col=1):
    def prepare(d, n):
        x = x_of(d)
        T = x.shape[1]
        n_val = len(d) - n if n_val_count is None else n_val_count(n, len(d))
        return (x[:n].reshape(n, T, 1), d[:n, y_col], x[n:].reshape(n_val, T, 1), d[n:, y_col])
    return prepare


def _tutorial_bug(d, n):
    x = ad.normalize(d[:, 2:])
    T = x.shape[1]
    return x[:n].reshape(n, T, 1), d[:n, 1], x[n:].reshape(n, T, 1), d[n:, 1]


def _mixed_rows(d, n):
    x = ad.normalize(d[:, 2:])
    T = x.shape[1]
    val = x[n:].T.reshape(-1, T, 1)  # same count, scrambled rows
    return x[:n].reshape(n, T, 1), d[:n, 1], val, d[n:, 1]


@pytest.mark.parametrize("func, words", [
    (_tutorial_bug, "reshape count is wrong"),
    (_mixed_rows, "not whole trajectories"),
    (_prep(lambda d: d[:, 2:]), "normalize"),
    (_prep(lambda d: ad.normalize(d[:, 2:]), y_col=0), "model labels"),
    (lambda d, n: (ad.normalize(d[:n, 2:]), d[:n, 1], ad.normalize(d[n:, 2:]), d[n:, 1]), "channel axis"),
    (lambda d, n: (d[:n, :, None], d[:n, 1], d[n:, :, None], d[n:, 1]), "column 2"),
    (lambda d, n: (1, 2, 3), "four arrays"),
])
def test_prepare_data_wrong(func, words):
    passed, message = run(checks.check_prepare_data, func)
    assert not passed and words in message, message


class FakeModel:
    """Stands in for a keras model: ``predict(x, verbose=0)`` -> (n, 1)."""

    def __init__(self, fn):
        self.fn = fn

    def predict(self, x, verbose=0):
        return self.fn(x)[:, None]


def _fit_exponent(x):
    return ad.fit_alpha(x[..., 0], np.arange(1, 6))


def test_alpha_model():
    passed, message = run(checks.check_alpha_model, FakeModel(_fit_exponent), T=100, target_mae=0.5)
    assert passed and "beats the target" in message
    passed, message = run(checks.check_alpha_model, FakeModel(_fit_exponent), T=100, target_mae=0.01)
    assert not passed and "does not beat" in message
    passed, message = run(checks.check_alpha_model, FakeModel(lambda x: np.ones(len(x))), T=100, target_mae=0.5)
    assert not passed and "almost the same exponent" in message
    passed, message = run(checks.check_alpha_model, FakeModel(lambda x: np.full(len(x), np.nan)), T=100, target_mae=0.5)
    assert not passed and "NaN" in message
    passed, message = run(checks.check_alpha_model, lambda x: _fit_exponent(x), T=100, target_mae=0.5)
    assert passed  # a plain function works too
    for bad in (None, [1, 2], FakeModel(lambda x: np.ones((len(x), 3))[:, :, None])):
        passed, message = run(checks.check_alpha_model, bad, T=100, target_mae=0.5)
        assert not passed


def _variance_drift(x):
    """A crude ergodicity score: SBM/CTRW/ATTM have more uneven increments than FBM/LW."""
    d = np.diff(x[..., 0], axis=1)
    k = np.mean(d**4, axis=1) / np.mean(d**2, axis=1) ** 2
    return (k < 4).astype(float)


def test_classifier():
    passed, message = run(checks.check_classifier, FakeModel(_variance_drift), T=100, target_accuracy=0.55)
    assert passed, message
    passed, message = run(checks.check_classifier, FakeModel(_variance_drift), T=100, target_accuracy=0.99)
    assert not passed and "per model" in message
    passed, message = run(checks.check_classifier, FakeModel(lambda x: np.zeros(len(x))), T=100, target_accuracy=0.8)
    assert not passed and "all 0" in message
    passed, message = run(checks.check_classifier, FakeModel(lambda x: 1 - _variance_drift(x)), T=100, target_accuracy=0.8)
    assert not passed and "swapped" in message
    passed, message = run(checks.check_classifier, None, T=100, target_accuracy=0.8)
    assert not passed and "None" in message


def test_feedback_example_is_plain_words(capsys):
    """The printed text for a classic mistake (averaging over the wrong axis)."""
    checks.check_eamsd(lambda x: np.mean((x - x[:, :1]) ** 2, axis=1))
    out = capsys.readouterr().out
    assert out.startswith("Not yet. Wrong shape: your EA-MSD has shape (40,), expected (30,)")
    assert "averaged over time" in out


# ------------------------------------------------------------------ the engine (_feedback)


def test_time_limit_by_measurement_stops_before_the_full_input():
    """A loop over trajectories is judged on slices; the full 100 000 rows never run."""
    seen = []

    def slow(x, lags):
        seen.append(len(x))
        return _loop_tamsd(x, lags)

    passed, message = run(checks.check_tamsd, slow)
    assert not passed and "too slow" in message and "would take about" in message, message
    assert max(seen) < 100_000  # stopped by extrapolation, not by an interrupt
    assert seen[:2] == [6, 1]  # the small correctness tests ran first


def test_time_limit_uses_no_signal():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    inside = []

    def spy(x, lags):
        inside.append(signal.getsignal(signal.SIGALRM))
        return ad.tamsd(x, lags)

    assert run(checks.check_tamsd, spy)[0]
    assert set(inside) == {before} and signal.getsignal(signal.SIGALRM) == before


def test_timed_extrapolates_a_quadratic_cost():
    from anomdiff import _feedback

    calls = []

    def quadratic(x):
        calls.append(len(x))
        import time
        time.sleep(1e-7 * len(x) ** 2)
        return x

    with pytest.raises(_feedback.Problem, match="would take about"):
        _feedback.timed(quadratic, lambda x: x, (np.zeros(4096),), floor=0.3)
    assert max(calls) < 4096


def test_mended_messages():
    # Grammar: a plural name takes a plural verb.
    passed, message = run(checks.check_fit_alpha, lambda x, lags: ad.fit_alpha(x, lags) + np.arange(len(x)) * 0.01)
    assert not passed and "Your exponents have the right shape" in message, message
    # EA-MSD over the wrong axis: the advice is given once.
    passed, message = run(checks.check_eamsd, lambda x: np.mean((x - x[:, :1]) ** 2, axis=1))
    assert not passed and message.count("axis=0") == 1 and message.count("axis=1") == 1, message


def test_engine_never_raises_on_a_broken_check():
    from anomdiff import _feedback

    @_feedback.check
    def check_oops(answer):
        return {}["missing"]  # a bug in the check itself

    result = check_oops(1)
    assert not result.passed and "KeyError" in result.message


# ------------------------------------------------------------------ new chapter checks


@pytest.mark.parametrize("func, words", [
    (lambda model, t, a: np.ones(len(t)), "FBM's answer"),
    (lambda model, t, a: (np.asarray(t) + 1.0) ** a - np.asarray(t, float) ** a, "SBM's answer"),
    (lambda model, t, a: a * np.maximum(t, 1.0) ** (a - 1) if model == "sbm" else np.ones(len(t)), "derivative"),
    (lambda model, t, a: np.asarray(t, float) ** a, "MSD at time t"),
])
def test_step_variance_wrong(func, words):
    passed, message = run(checks.check_step_variance, func)
    assert not passed and words in message, message


def test_no_jump_fraction_against_simulation():
    """The fraction of CTRW walkers that have not moved by t follows E_alpha(-t^alpha)."""
    alpha, N, t = 0.5, 4000, np.array([1, 10, 100])
    x = ad.simulate("ctrw", 101, alpha, N, rng=1)
    stuck = np.array([(np.abs(x[:, : k + 1]).max(axis=1) == 0).mean() for k in t])
    assert run(checks.check_no_jump_fraction, stuck, t, alpha, N=N)[0]
    passed, message = run(checks.check_no_jump_fraction, 1 - stuck, t, alpha, N=N)
    assert not passed and "HAS jumped" in message
    passed, message = run(checks.check_no_jump_fraction, np.exp(-t), t, alpha, N=N)
    assert not passed and "exp(-t/tau0)" in message
    passed, message = run(checks.check_no_jump_fraction, stuck[:2], t, alpha, N=N)
    assert not passed and "one fraction per time" in message


def test_no_jump_reference_is_the_mittag_leffler_function():
    from scipy import special

    t = np.geomspace(1e-4, 1e6, 40)
    # E_{1/2}(-sqrt(t)) = exp(t) erfc(sqrt(t)); E_1(-t) = exp(-t).
    assert np.allclose(checks._no_jump_fraction(t, 0.5), special.erfcx(np.sqrt(t)), rtol=1e-9)
    assert np.allclose(checks._no_jump_fraction(t[:20], 1.0), np.exp(-t[:20]))
    # Large t: E_a(-x) ~ 1 / (x Gamma(1 - a)).
    x = 1e6**0.3
    assert np.isclose(checks._no_jump_fraction(1e6, 0.3), 1 / (x * special.gamma(0.7)), rtol=0.02)


@pytest.mark.parametrize("func, words", [
    (lambda s: 3 - np.asarray(s), "ballistic flight"),
    (lambda s: np.where(np.asarray(s) <= 1, 2.0, 2 - np.asarray(s)), "Off by one"),
])
def test_levy_alpha_wrong(func, words):
    passed, message = run(checks.check_levy_alpha, func)
    assert not passed and words in message, message


def test_levy_alpha_scalar_function():  # mu is the flight-time tail exponent
    assert run(checks.check_levy_alpha, lambda s: 2.0 if s <= 1 else 3 - s)[0]


@pytest.mark.parametrize("func, words", [
    (lambda s, d: 2 * s**2, "left out the dimension"),
    (lambda s, d: d * s**2, "both ends"),
    (lambda s, d: 2 * d * s, "standard deviation"),
])
def test_noise_offset_wrong(func, words):
    passed, message = run(checks.check_noise_offset, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (lambda x, lag: sum((x[t + lag] - x[t]) ** 2 for t in range(len(x) - lag)) / len(x), "divided by T"),
    (lambda x, lag: sum((x[t + lag] - x[t]) ** 2 for t in range(len(x) - lag - 1)) / (len(x) - lag - 1), "range"),
])
def test_tamsd_loop_wrong(func, words):
    passed, message = run(checks.check_tamsd_loop, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (lambda x: "fbm", "SBM set was called FBM"),
    (lambda x: "ctrw" if np.mean(np.diff(x, axis=1) == 0) > 0.1 else "fbm", "early and late steps"),
    (lambda x: 3, "one of 'fbm', 'sbm' or 'ctrw'"),
])
def test_which_model_wrong(func, words):
    passed, message = run(checks.check_which_model, func)
    assert not passed and words in message, message


def test_fit_window():
    passed, message = run(checks.check_fit_window, (1, 3))
    assert passed, message
    passed, message = run(checks.check_fit_window, (1, 30))
    assert not passed and "large lags" in message, message
    passed, message = run(checks.check_fit_window, (5, 10))
    assert not passed and "smallest lags" in message, message
    for bad in (None, 3, (0, 5), (5, 5), (1.5, 4), ("a", 3)):
        passed, message = run(checks.check_fit_window, bad)
        assert not passed and message.startswith("Not yet."), message


# ------------------------------------------------------------------ chapter 7: your own data


def _table_to_array(df, particle="particle", frame="frame", pos=("x", "y")):
    ids, row = np.unique(df[particle].to_numpy(), return_inverse=True)
    frames = df[frame].to_numpy()
    first = np.full(len(ids), np.iinfo(np.int64).max)
    np.minimum.at(first, row, frames)
    col = frames - first[row]
    out = np.full((len(ids), col.max() + 1, len(pos)), np.nan)
    out[row, col] = df[list(pos)].to_numpy(float)
    return out


def _tamsd_gaps(x, lags):
    out = np.full((x.shape[0], len(lags)), np.nan)
    for j, lag in enumerate(lags):
        sq = ((x[:, lag:] - x[:, :-lag]) ** 2).sum(axis=2)
        n = np.isfinite(sq).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = np.where(n > 0, np.nansum(sq, axis=1) / n, np.nan)
    return out


def _sigma_covariance(x):
    eta = np.diff(x, axis=1)
    return float(np.sqrt(max(-np.nanmean(eta[:, :-1] * eta[:, 1:]), 0.0)))


def _sigma_intercept(x, lags):
    from scipy.optimize import curve_fit

    d, lags = x.shape[2], np.asarray(lags, dtype=float)
    with np.errstate(all="ignore"):
        m = np.nanmean(ad.tamsd(x, lags.astype(int)), axis=0)
    p, _ = curve_fit(lambda t, D, a, s: 2 * d * D * t**a + 2 * d * s**2, lags, m,
                     p0=(m[0] / (2 * d), 1.0, np.sqrt(m[0] / (4 * d))),
                     bounds=([0, 0.01, 0], [np.inf, 2, np.inf]))
    return float(p[2])


CH7_FUNCTION_CHECKS = {
    "check_tracks_array": _table_to_array,
    "check_tamsd_gaps": _tamsd_gaps,
    "check_sigma_covariance": _sigma_covariance,
    "check_sigma_intercept": _sigma_intercept,
}


@pytest.mark.parametrize("name", sorted(CH7_FUNCTION_CHECKS))
def test_ch7_right_answer_passes(name):
    if name == "check_tracks_array":
        importlib.import_module("pandas")
    passed, message = run(getattr(checks, name), CH7_FUNCTION_CHECKS[name])
    assert passed and message.startswith("Correct!"), message


def test_ch7_library_passes_its_own_checks():
    importlib.import_module("pandas")
    assert run(checks.check_tracks_array, lambda df, **kw: ad.tracks_from_dataframe(df, **kw))[0]
    assert run(checks.check_tamsd_gaps, ad.tamsd)[0]


@pytest.mark.parametrize("name", sorted(CH7_FUNCTION_CHECKS))
@pytest.mark.parametrize("answer, words", [
    (None, "passed None"), (stub, "not written yet"), (broken, "raised ZeroDivisionError"),
    (returns_none, "forget `return`"), (returns_huge, "Not yet."), (returns_ragged, "Not yet."),
    (returns_text, "Not yet."), (returns_unconvertible, "Not yet."),
])
def test_ch7_non_answers_are_reported(name, answer, words):
    if name == "check_tracks_array":
        importlib.import_module("pandas")
    passed, message = run(getattr(checks, name), answer)
    assert not passed and message.startswith("Not yet.") and words in message, message


def _tracks_no_shift(df, particle="particle", frame="frame", pos=("x", "y")):
    ids, row = np.unique(df[particle].to_numpy(), return_inverse=True)
    col = df[frame].to_numpy()
    out = np.full((len(ids), col.max() + 1, len(pos)), np.nan)
    out[row, col] = df[list(pos)].to_numpy(float)
    return out


def _tracks_by_appearance(df, particle="particle", frame="frame", pos=("x", "y")):
    first_seen = {v: i for i, v in enumerate(df[particle].unique())}
    row = df[particle].map(first_seen).to_numpy()
    frames = df[frame].to_numpy()
    first = np.full(len(first_seen), np.iinfo(np.int64).max)
    np.minimum.at(first, row, frames)
    col = frames - first[row]
    out = np.full((len(first_seen), col.max() + 1, len(pos)), np.nan)
    out[row, col] = df[list(pos)].to_numpy(float)
    return out


def _tracks_packed(df, particle="particle", frame="frame", pos=("x", "y")):
    groups = [g[list(pos)].to_numpy(float) for _, g in df.sort_values([particle, frame]).groupby(particle)]
    out = np.full((len(groups), max(map(len, groups)), len(pos)), np.nan)
    for i, g in enumerate(groups):
        out[i, :len(g)] = g
    return out


def _tracks_fixed_names(df, **kwargs):
    return _table_to_array(df)


@pytest.mark.parametrize("func, words", [
    (_tracks_no_shift, "first frame"),
    (lambda df, **kw: np.nan_to_num(_table_to_array(df, **kw)), "not 0"),
    (_tracks_by_appearance, "sort them by particle id"),
    (_tracks_packed, "missed frame must stay a NaN"),
    (_tracks_fixed_names, "TrackMate"),
    (lambda df, **kw: _table_to_array(df, **kw)[..., 0], "keep all the coordinates"),
])
def test_tracks_array_wrong(func, words):
    importlib.import_module("pandas")
    passed, message = run(checks.check_tracks_array, func)
    assert not passed and words in message, message


def _tamsd_all_pairs(x, lags):
    return np.stack([np.nansum(((x[:, k:] - x[:, :-k]) ** 2).sum(axis=2), axis=1) / (x.shape[1] - k)
                     for k in lags], axis=1)


def _tamsd_per_coordinate(x, lags):
    return np.stack([np.nanmean((x[:, k:] - x[:, :-k]) ** 2, axis=(1, 2)) for k in lags], axis=1)


def _tamsd_plain_mean(x, lags):
    return np.stack([((x[:, k:] - x[:, :-k]) ** 2).sum(axis=2).mean(axis=1) for k in lags], axis=1)


@pytest.mark.parametrize("func, words", [
    (_tamsd_all_pairs, "number of valid"),
    (_tamsd_per_coordinate, "sum the squared displacements over the d"),
    (_tamsd_plain_mean, "np.nanmean"),
    (lambda x, lags: np.nan_to_num(_tamsd_gaps(x, lags)), "not 0"),
])
def test_tamsd_gaps_wrong(func, words):
    passed, message = run(checks.check_tamsd_gaps, func)
    assert not passed and words in message, message


def _covariance_summed(x):
    eta = np.diff(x, axis=1)
    return float(np.sqrt(-np.nanmean((eta[:, :-1] * eta[:, 1:]).sum(axis=2))))


def _covariance_nan(x):
    eta = np.diff(x, axis=1)
    return float(np.sqrt(-np.mean(eta[:, :-1] * eta[:, 1:])))


def _covariance_centred(x):
    """The sample covariance (means subtracted): also right, within the statistical error."""
    eta = np.diff(x, axis=1)
    a, b = eta[:, :-1], eta[:, 1:]
    ok = np.isfinite(a * b)
    a, b = a[ok], b[ok]
    return float(np.sqrt(-np.mean((a - a.mean()) * (b - b.mean()))))


def test_sigma_covariance_accepts_the_sample_covariance():
    assert run(checks.check_sigma_covariance, _covariance_centred)[0]


@pytest.mark.parametrize("func, words", [
    (lambda x: _sigma_covariance(x) ** 2, "sigma squared"),
    (_covariance_summed, "summed the products over the coordinates"),
    (lambda x: float(np.sqrt(np.nanmean(np.diff(x, axis=1) ** 2))), "*consecutive*"),
    (_covariance_nan, "np.nanmean"),
    (lambda x: _sigma_covariance(x) / np.sqrt(2), "no factor 1/2"),
])
def test_sigma_covariance_wrong(func, words):
    passed, message = run(checks.check_sigma_covariance, func)
    assert not passed and words in message, message


def _intercept_linear(x, lags):
    """A straight-line fit: right for Brownian motion only."""
    d = x.shape[2]
    with np.errstate(all="ignore"):
        m = np.nanmean(ad.tamsd(x, lags), axis=0)
    return float(np.sqrt(max(np.polyfit(lags, m, 1)[1], 0.0) / (2 * d)))


@pytest.mark.parametrize("func, words", [
    (_intercept_linear, "let alpha be a free parameter"),
    (lambda x, lags: 4 * _sigma_intercept(x, lags) ** 2, "intercept 2 d sigma^2 itself"),
    (lambda x, lags: np.sqrt(2) * _sigma_intercept(x, lags), "sqrt(d) times too large"),
])
def test_sigma_intercept_wrong(func, words):
    passed, message = run(checks.check_sigma_intercept, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("D, sigma, passes, words", [
    (5.7, 0.055, True, "Correct!"),
    (3.7, 0.06, True, "Correct!"),
    (5.7 * 0.00748 / 0.16**2, 0.055, False, "pixels²/frame"),
    (5.7 * 0.00748, 0.055, False, "per frame"),
    (11.4, 0.055, False, "factor 2"),
    (5.7, 55.0, False, "in nm"),
    (5.7, 0.055 / 0.16, False, "in pixels"),
    (None, 0.05, False, "None"),
    ("5", 0.05, False, "number"),
])
def test_real_tracks(D, sigma, passes, words):
    importlib.import_module("pandas")
    passed, message = run(checks.check_real_tracks, D, sigma)
    assert passed is passes and words in message, message


def _fit3(lags, m):
    from scipy.optimize import curve_fit

    f = lambda l, a, D, s: 2 * D * l**a + 2 * s**2  # noqa: E731
    return tuple(curve_fit(f, lags, m, p0=(1.0, 1.0, 0.1))[0])


@pytest.mark.parametrize("func, words", [
    (_fit3, None),
    (lambda l, m: (lambda a, D, s: (a, D, s**2))(*_fit3(l, m)), "return the standard deviation"),
    (lambda l, m: (lambda a, D, s: (a, 2 * D, s))(*_fit3(l, m)), "2 D"),
    (lambda l, m: (lambda a, D, s: (D, a, s))(*_fit3(l, m)), "swapped"),
    (lambda l, m: (np.polyfit(np.log(l), np.log(m), 1)[0], 1.0, 0.1), "not its log"),
    (lambda l, m: (1.0, 1.0), "three numbers"),
])
def test_three_parameter_fit(func, words):
    passed, message = run(checks.check_three_parameter_fit, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


def test_wrong_sigma():
    ref = checks._wrong_sigma_means([0.5, 1.0, 1.5])
    assert ref[0.5] < ref[1.0] < ref[1.5]  # under-correction low, over-correction high
    passed, message = run(checks.check_wrong_sigma, ref)
    assert passed and "over-corrects" in message, message
    passed, message = run(checks.check_wrong_sigma, {0.5: ref[0.5] + 0.05})
    assert not passed and "protocol gives" in message
    for bad in (None, {}, [0.5], {0.5: None}):
        passed, message = run(checks.check_wrong_sigma, bad)
        assert not passed


# ------------------------------------------------------------------ chapter 4: EB theory, ageing
def _brownian_matrix(lag, t, n=None):
    n = t - lag if n is None else n
    i = np.arange(n)
    return np.maximum(lag - np.abs(i[:, None] - i[None, :]), 0).astype(float)


@pytest.mark.parametrize("func, words", [
    (lambda lag, t: 2 * np.sum(_brownian_matrix(lag, t) ** 2) / np.trace(_brownian_matrix(lag, t)) ** 2,
     None),
    (lambda lag, t: 4 * lag / (3 * t), "continuum formula"),
    (lambda lag, t: np.sum(_brownian_matrix(lag, t) ** 2) / np.trace(_brownian_matrix(lag, t)) ** 2,
     "factor 2"),
    (lambda lag, t: 2 * np.sum(_brownian_matrix(lag, t, t) ** 2) / np.trace(_brownian_matrix(lag, t, t)) ** 2,
     "n = t - Δ windows"),
    (lambda lag, t: 2 / (t - lag) if lag > 1 else 2 / (t - 1), "only the diagonal"),
])
def test_eb_brownian(func, words):
    passed, message = run(checks.check_eb_brownian, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


def _report(x, lag):
    return ad.eb(x, lag)[1][-1], ad.teamsd(x, [lag])[0] / ad.eamsd(x)[lag]


@pytest.mark.parametrize("func, words", [
    (_report, None),
    (lambda x, lag: (_report(x, lag)[0] + 1, _report(x, lag)[1]), "EB + 1"),
    (lambda x, lag: (ad.eb(x, lag)[1][0], _report(x, lag)[1]), "full length"),
    (lambda x, lag: (_report(x, lag)[0], 1 / _report(x, lag)[1]), "upside down"),
    (lambda x, lag: (_report(x, lag)[0], ad.teamsd(x, [lag])[0] / ad.eamsd(x)[lag - 1]),
     "wrong time"),
    (lambda x, lag: _report(x, lag)[0], "pair"),
])
def test_ergodicity_report(func, words):
    passed, message = run(checks.check_ergodicity_report, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


def _aged(alpha, lag, t_a, T):
    M = ad.theory.msd("ctrw", np.arange(t_a, t_a + T, dtype=float), alpha)
    return float(np.mean(M[lag:] - M[:-lag]))


@pytest.mark.parametrize("func, words", [
    (_aged, None),
    (lambda a, lag, t_a, T: _aged(a, lag, 0, T), "ignored t_a"),
    (lambda a, lag, t_a, T: _aged(a, lag, t_a, T) * (T - lag) / T, "divided by T"),
    (lambda a, lag, t_a, T: _aged(a, lag, 0, T) * ((1 + t_a / T) ** a - (t_a / T) ** a),
     "scaling form"),
    (lambda a, lag, t_a, T: float(ad.theory.msd("ctrw", t_a + lag, a) - ad.theory.msd("ctrw", t_a, a)),
     "single window"),
])
def test_aged_teamsd(func, words):
    passed, message = run(checks.check_aged_teamsd, func)
    if words is None:
        assert passed, message
    else:
        assert not passed and words in message, message


def test_aged_teamsd_reference_is_the_ageing_factor_and_the_simulation():
    """The reference is Lambda(t_a/T) times the non-aged value for lag << T (Schulz, Barkai &
    Metzler 2013) and agrees with aged CTRW walks (t_a steps discarded) within 4 standard
    errors."""
    a, T = 0.5, 2000
    for t_a in (200, 2000, 20_000):
        z = t_a / T
        assert checks._aged_teamsd(a, 1, t_a, T) / checks._aged_teamsd(a, 1, 0, T) == \
            pytest.approx((1 + z) ** a - z**a, rel=2e-3)
    t_a, T, N = 1000, 500, 600
    m = ad.tamsd(ad.simulate("ctrw", t_a + T, a, N, rng=3)[:, t_a:], [1])[:, 0]
    assert abs(m.mean() - checks._aged_teamsd(a, 1, t_a, T)) < 4 * m.std() / np.sqrt(N)


@pytest.mark.parametrize("func, words", [
    (lambda n, e, b: e * n / b, "whole number"),
    (lambda n, e, b: e * (n // b), "dropped the last"),
    (lambda n, e, b: int(np.ceil(n / b)), "one epoch"),
])
def test_gradient_steps_wrong(func, words):
    passed, message = run(checks.check_gradient_steps, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (lambda x: (lambda d: np.mean(d[:, 1:] * d[:, :-1], axis=1))(np.diff(x, axis=1)), "covariance"),
    (lambda x: np.mean(x[:, 1:] * x[:, :-1], axis=1) / np.mean(x**2, axis=1), "positions"),
    (lambda x: (lambda d: np.mean(d[:, 1:] * d[:, :-1]) / np.mean(d**2))(np.diff(x, axis=1)), "one value per trajectory"),
])
def test_increment_correlation_wrong(func, words):
    passed, message = run(checks.check_increment_correlation, func)
    assert not passed and words in message, message


def test_increment_correlation_is_fbm_theory():
    """The FBM law 2**(alpha - 1) - 1 that the notebook's model answer uses."""
    for alpha in (0.5, 1.5):
        rho = checks._increment_correlation(ad.simulate("fbm", 400, alpha, 400, rng=3))
        se = rho.std() / np.sqrt(rho.size)
        assert abs(rho.mean() - (2 ** (alpha - 1) - 1)) < 4 * se + 0.01
    rho = checks._increment_correlation(ad.simulate("sbm", 400, 0.5, 400, rng=3))
    assert abs(rho.mean()) < 4 * rho.std() / np.sqrt(rho.size) + 0.01


@pytest.mark.parametrize("func, words", [
    (lambda y, p: np.mean((p >= 0.5) == y), "broadcasts"),
    (lambda y, p: 100 * np.mean((np.ravel(p) >= 0.5) == y), "percent"),
    (lambda y, p: np.mean((np.ravel(p) > 0.5) == y), "exactly 0.5"),
    (lambda y, p: np.sum((np.ravel(p) >= 0.5) == y), "number of right answers"),
])
def test_accuracy_wrong(func, words):
    passed, message = run(checks.check_accuracy, func)
    assert not passed and words in message, message


@pytest.mark.parametrize("func, words", [
    (lambda g, lag: ad.eb(g, lag)[1][-1] + 1, "forgot the - 1"),
    (lambda g, lag: (lambda m: m.var(ddof=1) / m.mean() ** 2)(ad.tamsd(g, [lag])[:, 0]), "ddof=1"),
    (lambda g, lag: (lambda m: m.var() / m.mean())(ad.tamsd(g, [lag])[:, 0]), "not <m>^2"),
])
def test_group_eb_wrong(func, words):
    passed, message = run(checks.check_group_eb, func)
    assert not passed and words in message, message


# ------------------------------------------------------------------ chapter 8: which model?

def _autocorr(x, lag, max_tau):
    """A learner's pooled increment autocorrelation, written independently of the library."""
    v = x[:, lag:] - x[:, :-lag]
    n = v.shape[1]
    c = np.array([np.mean(v[:, : n - t] * v[:, t:]) for t in range(max_tau + 1)])
    return c / c[0]


def _autocorr_centred(x, lag, max_tau):
    v = x[:, lag:] - x[:, :-lag]
    v = v - v.mean()
    n = v.shape[1]
    c = np.array([np.mean(v[:, : n - t] * v[:, t:]) for t in range(max_tau + 1)])
    return c / c[0]


def _autocorr_biased(x, lag, max_tau):
    v = x[:, lag:] - x[:, :-lag]
    n = v.shape[1]
    c = np.array([np.sum(v[:, : n - t] * v[:, t:]) / v.size for t in range(max_tau + 1)])
    return c / c[0]


def test_increment_autocorrelation_right():
    passed, message = run(checks.check_increment_autocorrelation, _autocorr)
    assert passed, message


@pytest.mark.parametrize("func, words", [
    (_autocorr_centred, "subtracted the mean"),
    (_autocorr_biased, "T - lag - tau products"),
    (lambda x, lag, m: _autocorr(x, lag, m)[1:], "Include tau = 0"),
    (lambda x, lag, m: _autocorr(x, 1, m), "one-step increments"),
    (lambda x, lag, m: _autocorr(x, lag, m) * np.mean((x[:, lag:] - x[:, :-lag]) ** 2), "not normalized"),
    (stub, "not written yet"),
    (broken, "raised"),
])
def test_increment_autocorrelation_wrong(func, words):
    passed, message = run(checks.check_increment_autocorrelation, func)
    assert not passed and words in message, message


def test_increment_autocorrelation_reference_is_fbm_theory():
    """The pooled C(lag) of FBM is 2**(alpha - 1) - 1 for every window; the CTRW's is 0."""
    x = ad.simulate("fbm", 400, 0.5, 200, rng=11)
    for lag in (1, 4):
        c = checks._pooled_autocorrelation(x, lag, lag)[lag]
        # block standard error from 10 groups of trajectories
        blocks = [checks._pooled_autocorrelation(b, lag, lag)[lag] for b in np.split(x, 10)]
        se = np.std(blocks, ddof=1) / np.sqrt(10)
        assert abs(c - (2 ** -0.5 - 1)) < 4 * se + 0.005
    y = ad.simulate("ctrw", 400, 0.5, 200, rng=12)
    blocks = [checks._pooled_autocorrelation(b, 3, 6)[3:] for b in np.split(y, 10)]
    mean, se = np.mean(blocks, axis=0), np.std(blocks, axis=0, ddof=1) / np.sqrt(10)
    assert np.all(np.abs(mean) < 4 * se + 0.01), (mean, se)


def _fbm_c(tau, alpha, lag):
    s = np.asarray(tau, dtype=float) / lag
    return ((s + 1) ** alpha + np.abs(s - 1) ** alpha - 2 * s**alpha) / 2


def test_fbm_autocorrelation_right():
    passed, message = run(checks.check_fbm_autocorrelation, _fbm_c)
    assert passed, message


@pytest.mark.parametrize("func, words", [
    (lambda tau, a, lag: _fbm_c(tau, a, lag) * lag**a, "divide by lag**alpha"),
    (lambda tau, a, lag: _fbm_c(tau, a, 1), "instead of s = tau / lag"),
    (lambda tau, a, lag: 2 * _fbm_c(tau, a, lag), "factor 1/2"),
    (lambda tau, a, lag: ((np.asarray(tau) / lag + 1) ** a + (np.asarray(tau) / lag - 1) ** a
                          - 2 * (np.asarray(tau) / lag) ** a) / 2, "|s - 1|"),
])
def test_fbm_autocorrelation_wrong(func, words):
    passed, message = run(checks.check_fbm_autocorrelation, func)
    assert not passed and words in message, message


def _maes(trajs, alpha, how=lambda e: np.nanmean(np.abs(e)), network=None):
    est = {"mle": ad.mle_alpha(trajs)[0], "fit": ad.fit_alpha(trajs, np.arange(1, 11)),
           "network": ad.ml.predict_alpha(trajs) if network is None else network(trajs)}
    return {k: float(how(v - alpha)) for k, v in est.items()}


@pytest.mark.slow
def test_estimator_mae():
    importlib.import_module("keras")
    assert run(checks.check_estimator_mae, _maes)[0]
    for func, words in [
        (lambda x, a: _maes(x, a, how=np.nanmean), "mean signed error"),
        (lambda x, a: _maes(x, a, how=lambda e: np.sqrt(np.nanmean(e**2))), "root-mean-square"),
        (lambda x, a: _maes(x, a, network=lambda t: ad.ml.predict_alpha(t, model="fbm")), "FBM specialist"),
        (lambda x, a: {"mle": 0.1}, "lacks the key"),
        (lambda x, a: [0.1, 0.2, 0.3], "should return a dict"),
    ]:
        passed, message = run(checks.check_estimator_mae, func)
        assert not passed and words in message, message


def _step_rule(x):
    """A hand-made rule on two step features (no training): about 0.7 on the check's set."""
    d = np.diff(x, axis=1)
    m2 = np.mean(d**2, axis=1)
    safe = np.where(m2 > 0, m2, 1.0)
    rho = np.mean(d[:, 1:] * d[:, :-1], axis=1) / safe
    zero = np.mean(d == 0, axis=1)
    g = np.mean(d**4, axis=1) / (3 * safe**2) - 1
    labels = np.full(len(x), 4)                       # sbm unless something else shows
    labels[(np.abs(rho) > 0.1)] = 2                   # correlated steps: fbm
    labels[rho > 0.3] = 3                             # strongly persistent: lw
    labels[(g > 2) & (np.abs(rho) <= 0.1)] = 0        # heavy tails without correlation: attm
    labels[(zero > 0.2) | (m2 == 0)] = 1              # rests: ctrw
    return labels


def test_own_classifier_right_and_wrong():
    passed, message = run(checks.check_own_classifier, _step_rule, floor=0.5)
    assert passed, message
    for func, words in [
        (lambda x: np.full(len(x), 2), "for every trajectory"),
        (lambda x: np.eye(5)[_step_rule(x)], "one label per trajectory"),
        (lambda x: _step_rule(x)[:-1], "shape (500,)"),
        (lambda x: _step_rule(x) + 1, "0..4"),
        (lambda x: np.where(np.arange(len(x)) % 2 == 0, 1, 2), "most common mistake"),
        (stub, "not written yet"),
    ]:
        passed, message = run(checks.check_own_classifier, func)
        assert not passed and words in message, message
    names = lambda x: np.array(ad.MODELS)[_step_rule(x)]
    assert run(checks.check_own_classifier, names, floor=0.5)[0]


def _cm(true, pred, k):
    c = np.zeros((k, k))
    np.add.at(c, (true, pred), 1)
    return c


def test_confusion_matrix():
    assert run(checks.check_confusion_matrix, lambda t, p, k: (lambda c: c / c.sum(1, keepdims=True))(_cm(t, p, k)))[0]
    for func, words in [
        (_cm, "These are counts"),
        (lambda t, p, k: (lambda c: c / c.sum(1, keepdims=True))(_cm(p, t, k)), "rows are the predicted"),
        (lambda t, p, k: (lambda c: c / c.sum(0, keepdims=True))(_cm(t, p, k)), "column sums"),
        (lambda t, p, k: (lambda c: c / c.sum())(_cm(t, p, k)), "total number"),
    ]:
        passed, message = run(checks.check_confusion_matrix, func)
        assert not passed and words in message, message
