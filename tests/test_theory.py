"""anomdiff.theory: EB at finite t and its limit, MSD laws, edge cases.

Statistical tests compare a simulated EB with theory using the standard error of the EB
estimate over 8 blocks of the ensemble: |sim - theory| < 4 SE (+ a stated bias bound where
the theory is leading order). The point estimate uses the whole ensemble (the block
estimates are biased by O(1/N_block)).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

import anomdiff as ad
from anomdiff import theory

BLOCKS = 8
Z = 4.0


def _eb_with_se(x, lag, t):
    """EB at the cut lengths ``t`` (points) from ``ad.eb``, with a block standard error."""
    tt, full = ad.eb(x, lag)
    idx = np.asarray(t) - (lag + 1)
    assert np.all(tt[idx] == t)  # ad.eb's t is the number of points, as theory.eb's
    blocks = np.array([ad.eb(b, lag)[1][idx] for b in np.array_split(x, BLOCKS)])
    return full[idx], blocks.std(axis=0, ddof=1) / np.sqrt(BLOCKS)


def _eb_moments(m):
    """EB from per-trajectory TA-MSDs (rows: trajectories)."""
    return np.mean(m**2, axis=0) / np.mean(m, axis=0) ** 2 - 1


# ---------------------------------------------------------------- Gaussian models, exact


def _eb_matrix(model, alpha, lag, t):
    """EB = 2 tr C^2 / (tr C)^2 from the full covariance matrix of the lag increments."""
    s = np.arange(t, dtype=float)
    if model == "fbm":
        cov = 0.5 * (s[:, None] ** alpha + s[None, :] ** alpha - np.abs(s[:, None] - s[None, :]) ** alpha)
    else:
        cov = np.minimum(s[:, None], s[None, :]) ** alpha
    n = t - lag
    m = np.zeros((n, t))
    m[np.arange(n), np.arange(n) + lag] = 1.0
    m[np.arange(n), np.arange(n)] -= 1.0
    c = m @ cov @ m.T
    return 2 * np.sum(c * c) / np.trace(c) ** 2


@pytest.mark.parametrize("model", ["fbm", "sbm"])
@pytest.mark.parametrize("alpha", [0.3, 1.0, 1.6, 1.99])
@pytest.mark.parametrize("lag", [1, 3, 8])
def test_gaussian_eb_equals_covariance_matrix_formula(model, alpha, lag):
    t = np.array([lag + 1, lag + 2, 2 * lag + 3, 70])
    ref = [_eb_matrix(model, alpha, lag, v) for v in t]
    np.testing.assert_allclose(theory.eb(model, alpha, lag, t), ref, rtol=1e-12)


def test_brownian_closed_form():
    # n = t - lag windows: 2 (2 lag^2 + 1) / (3 lag n) - (lag^2 - 1) / (3 n^2) for n >= lag
    for lag in (1, 2, 10):
        t = np.arange(2 * lag + 1, 400)
        n = t - lag
        expected = 2 * (2 * lag**2 + 1) / (3 * lag * n) - (lag**2 - 1) / (3 * n**2)
        np.testing.assert_allclose(theory.eb("fbm", 1.0, lag, t), expected, rtol=1e-13)
        np.testing.assert_allclose(theory.eb("sbm", 1.0, lag, t), expected, rtol=1e-13)
    assert theory.eb("fbm", 1.0, 1, 101) == pytest.approx(0.02, rel=1e-14)


def test_fbm_eb_scaling_regimes():
    # EB ~ c Δ / t below alpha = 3/2 (t EB -> 2.36 at alpha = 0.5, lag 1), faster-than-1/t
    # power (Δ/t)^(4 - 2 alpha) above: the slope of log EB tends to 2 alpha - 4.
    t = np.array([10**4, 10**5])
    e = theory.eb("fbm", 0.5, 1, t)
    assert 2.3 < t[0] * e[0] < 2.4
    assert np.log(e[1] / e[0]) / np.log(10) == pytest.approx(-1.0, abs=0.01)
    e = theory.eb("fbm", 1.8, 1, t)
    assert np.log(e[1] / e[0]) / np.log(10) == pytest.approx(2 * 1.8 - 4, abs=0.05)


@pytest.mark.parametrize("model, alpha", [("fbm", 0.5), ("fbm", 1.5), ("sbm", 0.5), ("sbm", 1.5)])
@pytest.mark.parametrize("lag", [1, 5])
def test_gaussian_eb_against_simulation(model, alpha, lag):
    x = ad.simulate(model, 300, alpha, 4000, rng=17 + lag)
    t = np.array([30, 100, 300])
    sim, se = _eb_with_se(x, lag, t)
    expected = theory.eb(model, alpha, lag, t)
    assert np.all(np.abs(sim - expected) < Z * se), (sim, se, expected)


@pytest.mark.parametrize("lag", [1, 10])
def test_brownian_eb_to_one_percent(lag):
    # 2^18 Brownian paths of t = 100 + lag points: relative SE of EB ~ 0.25 %.
    t = 100 + lag
    rng = np.random.default_rng(lag)
    m = []
    for _ in range(8):
        x = np.cumsum(rng.standard_normal((2**15, t - 1)), axis=1)
        x = np.concatenate([np.zeros((x.shape[0], 1)), x], axis=1)
        m.append(ad.tamsd(x, [lag])[:, 0])
    m = np.array(m)
    blocks = _eb_moments(m.T)
    sim = _eb_moments(m.ravel())
    se = blocks.std(ddof=1) / np.sqrt(m.shape[0])
    expected = theory.eb("fbm", 1.0, lag, t)
    assert abs(sim / expected - 1) < 0.01
    assert abs(sim - expected) < Z * se


def test_eb_cost_for_many_lengths():
    t = np.arange(2, 10_002)
    for model in ("fbm", "sbm", "ctrw"):
        theory.eb(model, 0.5, 1, t)  # warm
    start = time.perf_counter()
    out = theory.eb("sbm", 0.5, 1, t)
    assert out.shape == t.shape and np.all(np.isfinite(out))
    assert time.perf_counter() - start < 2.0  # generous: the benchmark measures ~1 ms


# ---------------------------------------------------------------- limits and input


def test_eb_limit_values():
    assert theory.eb_limit("ctrw", 0.5) == pytest.approx(np.pi / 2 - 1, rel=1e-12)
    assert theory.eb_limit("attm", 0.3) == theory.eb_ctrw(0.3)
    for model in ad.MODELS:
        assert theory.eb_limit(model, 1.0) == 0.0
    for model, alpha in [("fbm", 0.5), ("fbm", 1.9), ("sbm", 0.5), ("sbm", 2.0), ("lw", 1.5)]:
        assert theory.eb_limit(model, alpha) == 0.0
    np.testing.assert_allclose(theory.eb_ctrw([0.5, 1.0]), [0.5707963, 0.0], atol=1e-7)


def test_gaussian_eb_tends_to_its_limit():
    for model in ("fbm", "sbm"):
        for alpha in (0.3, 1.0, 1.7):
            assert theory.eb(model, alpha, 2, 10**6) < 0.02


def test_eb_without_finite_t_theory_is_a_clear_error():
    for model in ("attm", "lw"):
        alpha = 0.5 if model == "attm" else 1.5
        with pytest.raises(ValueError, match="eb_limit"):
            theory.eb(model, alpha, 1, 100)
        with pytest.raises(NotImplementedError):
            theory.eb(model, alpha, 1, 100)


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda: theory.eb("fbm", 0.5, 2, 2), ValueError, "lag + 1"),
        (lambda: theory.eb("fbm", 0.5, 0, 10), ValueError, "lag"),
        (lambda: theory.eb("fbm", 0.5, 1, 10.5), TypeError, "whole numbers"),
        (lambda: theory.eb("fbm", 2.0, 1, 10), ValueError, "alpha"),
        (lambda: theory.eb("fbm", 0.5, 1, "abc"), TypeError, "t"),
        (lambda: theory.eb("fbm", 0.5, 1, 10, tau0=1.0), TypeError, "options"),
        (lambda: theory.eb("ctrw", 0.5, 1, 10, tau0=-1.0), ValueError, "tau0"),
        (lambda: theory.eb_limit("ctrw", 1.5), ValueError, "alpha"),
        (lambda: theory.eb_ctrw("abc"), TypeError, "alpha"),
        (lambda: theory.eb_ctrw(1.5), ValueError, "alpha"),
        (lambda: theory.msd("fbm", {}, 0.5), TypeError, "t"),
        (lambda: theory.msd("fbm", -1.0, 0.5), ValueError, "t"),
        (lambda: theory.msd("fbm", 1.0, 0.5, dim=4), ValueError, "dim"),
        (lambda: theory.msd("lw", 1.0, 1.5, equilibrium="no"), TypeError, "equilibrium"),
        (lambda: theory.attm_mean_d_tau([0.5]), TypeError, "alpha"),
        (lambda: theory.attm_mean_d_tau(1.5), ValueError, "alpha"),
        (lambda: theory.fgn_autocovariance(1, 2.5), ValueError, "alpha"),
    ],
)
def test_theory_bad_input(call, error, word):
    with pytest.raises(error) as info:
        call()
    assert word in str(info.value)


def test_attm_mean_d_tau_validates_on_every_call():
    theory.attm_mean_d_tau(0.5)  # cached now
    with pytest.raises(ValueError):
        theory.attm_mean_d_tau(1.5)
    assert theory.attm_mean_d_tau(0.5) == theory.attm_mean_d_tau(np.float64(0.5))


def test_is_ergodic_labels():
    assert theory.is_ergodic("fbm") and theory.is_ergodic("lw")
    assert not theory.is_ergodic("ctrw") and not theory.is_ergodic("sbm", 0.5)
    assert all(theory.is_ergodic(m, 1.0) for m in ad.MODELS)
