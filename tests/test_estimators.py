"""Tests of anomdiff.estimators: the FBM maximum-likelihood exponent and its error bars."""

import importlib
import numpy as np
import pytest
from scipy.linalg import toeplitz

import anomdiff as ad
from anomdiff import estimators as est


def _fbm_set(T, n, seed, low=0.2, high=1.8):
    rng = np.random.default_rng(seed)
    alphas = rng.uniform(low, high, n)
    x = np.concatenate([ad.simulate("fbm", T, a, 1, rng=rng) for a in alphas])
    return x, alphas


def test_levinson_matches_dense_linear_algebra():
    rng = np.random.default_rng(0)
    n = 40
    alphas = np.array([0.3, 1.0, 1.7])
    y = rng.standard_normal((3, n, 2))
    quad, logdet = est._innovations(est._fgn_cov(alphas, n), y)
    for i, a in enumerate(alphas):
        S = toeplitz(ad.theory.fgn_autocovariance(np.arange(n), a))
        assert quad[i] == pytest.approx(sum(y[i, :, c] @ np.linalg.solve(S, y[i, :, c]) for c in range(2)),
                                        rel=1e-10)
        assert logdet[i] == pytest.approx(np.linalg.slogdet(S)[1], rel=1e-10, abs=1e-10)
    # one covariance shared by every row gives the same numbers
    q1, l1 = est._innovations(est._fgn_cov(alphas[:1], n), y)
    assert q1[0] == pytest.approx(quad[0], rel=1e-12) and l1[0] == pytest.approx(logdet[0], rel=1e-12)


def test_noise_covariance_is_fgn_plus_ma1():
    """With noise the likelihood is that of D gamma + sigma^2 (2 on the diagonal, -1 beside)."""
    rng = np.random.default_rng(1)
    n, D, s2, a = 30, 0.7, 0.3, 0.8
    y = rng.standard_normal((1, n, 1))
    S = D * toeplitz(ad.theory.fgn_autocovariance(np.arange(n), a))
    S += s2 * (2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1))
    expect = -0.5 * (y[0, :, 0] @ np.linalg.solve(S, y[0, :, 0]) + np.linalg.slogdet(S)[1])
    got = est._loglik(np.array([a]), y, np.array([s2]), np.array([np.log(D)]))
    assert got[0] == pytest.approx(expect, rel=1e-10)


def test_profile_likelihood_is_maximal_at_the_estimate():
    x, _ = _fbm_set(60, 5, 2)
    alpha, _ = ad.mle_alpha(x)
    y = np.diff(x, axis=1)[..., None]
    for d in (-0.01, 0.01):
        assert np.all(est._loglik(alpha, y, None) >= est._loglik(np.clip(alpha + d, 0.005, 1.995), y, None))


def test_shapes_single_list_and_dimensions():
    x = ad.simulate("fbm", 80, 0.7, 4, rng=3)
    a, se = ad.mle_alpha(x)
    assert a.shape == se.shape == (4,) and np.all(se > 0)
    a0, se0 = ad.mle_alpha(x[0])
    assert isinstance(a0, float) and a0 == pytest.approx(a[0], abs=1e-6)
    # unequal lengths: a list and its NaN padding give the same answers as separate calls
    trajs = [x[0], x[1, :50], x[2, :30]]
    a_list, _ = ad.mle_alpha(trajs)
    padded = np.full((3, 80), np.nan)
    for i, t in enumerate(trajs):
        padded[i, : len(t)] = t
    a_pad, _ = ad.mle_alpha(padded)
    np.testing.assert_allclose(a_list, a_pad, atol=1e-8)
    np.testing.assert_allclose(a_list, [ad.mle_alpha(t)[0] for t in trajs], atol=1e-8)
    # d components with a common D: the errors shrink by about sqrt(d)
    x3 = ad.simulate("fbm", 80, 0.7, 50, dim=3, rng=4)
    a3, se3 = ad.mle_alpha(x3)
    assert a3.shape == (50,)
    _, se1 = ad.mle_alpha(x3[:, :, 0])
    assert np.median(se1 / se3) == pytest.approx(np.sqrt(3), rel=0.15)


def test_scale_free():
    x = ad.simulate("fbm", 100, 1.2, 3, rng=5)
    a, se = ad.mle_alpha(x)
    a2, se2 = ad.mle_alpha(1e-6 * x + 3.0)
    np.testing.assert_allclose(a, a2, atol=1e-6)
    np.testing.assert_allclose(se, se2, rtol=1e-4)


def test_known_noise_removes_the_bias():
    """Localization noise flattens short lags: ignored it biases alpha down; given, not."""
    x, alphas = _fbm_set(100, 60, 6, 0.6, 1.4)
    noisy = ad.add_localization_noise(x, 0.5, rng=7)
    a_naive, _ = ad.mle_alpha(noisy)
    a_noise, se = ad.mle_alpha(noisy, sigma=0.5)
    err_naive, err_noise = a_naive - alphas, a_noise - alphas
    # 60 trajectories: standard error of a mean error ~ 0.14 / sqrt(60) ~ 0.02
    assert np.mean(err_naive) < -0.1
    assert abs(np.mean(err_noise)) < 3 * np.std(err_noise) / np.sqrt(60)
    # sigma = 0 is the noise-free estimator
    np.testing.assert_allclose(ad.mle_alpha(x[:5], sigma=0.0)[0], ad.mle_alpha(x[:5])[0])


@pytest.mark.parametrize("estimate", [ad.mle_alpha, ad.mle_interval])
def test_immobile_trajectory_gives_nan_and_one_warning(estimate):
    x = ad.simulate("fbm", 50, 0.5, 3, rng=8)
    x[1] = 2.0
    with pytest.warns(RuntimeWarning, match="immobile") as rec:
        first, second = estimate(x)
    assert len(rec) == 1 and np.isnan(first[1]) and np.isnan(second[1])
    assert np.all(np.isfinite(first[[0, 2]])) and np.all(np.isfinite(second[[0, 2]]))


@pytest.mark.parametrize("bad, err, msg", [
    (np.full((2, 20), np.nan), ValueError, "no valid point"),
    (np.r_[0.0, 1.0, np.nan, 2.0, 3.0], ValueError, "gap"),
    (np.r_[0.0, np.inf, 1.0], ValueError, "infinite"),
    (np.zeros((2, 2)), ValueError, "at least 3"),
    (np.zeros((0, 10)), ValueError, "shape"),
    ("abc", TypeError, "trajs"),
    (None, TypeError, "trajs"),
    ([[0, 1, 2], ["a", "b"]], TypeError, "trajs"),
    (np.zeros((2, 3, 4, 5)), ValueError, "shape"),
])
@pytest.mark.parametrize("estimate", [ad.mle_alpha, ad.mle_interval])
def test_bad_trajectories(estimate, bad, err, msg):
    with pytest.raises(err, match=msg):
        estimate(bad)


@pytest.mark.parametrize("sigma, err", [(-1.0, ValueError), (np.nan, ValueError), (np.inf, ValueError),
                                        ("0.1", TypeError), (True, TypeError)])
@pytest.mark.parametrize("estimate", [ad.mle_alpha, ad.mle_interval])
def test_bad_sigma(estimate, sigma, err):
    with pytest.raises(err, match="sigma"):
        estimate(np.cumsum(np.ones((2, 10)), axis=1) + np.arange(10) ** 1.5, sigma=sigma)


def test_docstring_passes_numpydoc():
    validate = importlib.import_module("numpydoc.validate")
    errors = [e for e in validate.validate("anomdiff.estimators.mle_alpha")["errors"]
              if e[0] in {"GL08", "PR01", "PR02", "RT01", "EX01", "SA01"}]
    assert not errors, errors


@pytest.mark.slow
def test_efficiency_and_coverage_at_T100():
    """MAE within 10 % of the Cramér-Rao-implied MAE; 95 % intervals cover 93-97 %.

    2000 FBM trajectories, T = 100, alpha ~ U(0.2, 1.8). The coverage band is widened by two
    binomial standard errors of a 2000-trial proportion; the MAE ratio by two standard
    errors of the sample MAE.
    """
    n = 2000
    x, alphas = _fbm_set(100, n, 20261128)
    a, se = ad.mle_alpha(x)
    err = np.abs(a - alphas)
    crlb_mae = np.sqrt(2 / np.pi) * np.mean(ad.theory.fbm_crlb(np.round(alphas, 2), 100))
    ratio = err.mean() / crlb_mae
    ratio_se = err.std() / np.sqrt(n) / crlb_mae
    assert ratio <= 1.10 + 2 * ratio_se, (ratio, ratio_se)
    cover = np.mean(err <= 1.96 * se)
    binom_se = np.sqrt(0.95 * 0.05 / n)
    assert 0.93 - 2 * binom_se <= cover <= 0.97 + 2 * binom_se, cover


# ---------------------------------------------------------------- profile-likelihood interval


def test_interval_covers_where_the_wald_interval_does_not():
    """FBM at T = 30, alpha = 0.3 (a skewed likelihood): the likelihood-ratio interval covers
    the truth 95 % +- 3 binomial SE (n = 1000: +- 0.021); alpha +- 1.96 stderr covers less."""
    a = 0.3
    x = ad.simulate("fbm", 30, a, 1000, rng=6)
    lower, upper = ad.mle_interval(x)
    cover = np.mean((lower <= a) & (a <= upper))
    assert abs(cover - 0.95) <= 3 * np.sqrt(0.95 * 0.05 / 1000)
    alpha, se = ad.mle_alpha(x)
    assert np.mean(np.abs(alpha - a) <= 1.96 * se) < cover - 0.02
    # the interval holds the estimate, and is asymmetric: longer on the side of larger alpha
    assert np.all((lower <= alpha) & (alpha <= upper))
    assert np.median((upper - alpha) - (alpha - lower)) > 0


def test_interval_is_the_wald_interval_for_long_tracks():
    """At T = 400 the likelihood is nearly quadratic: the half-width is 1.96 stderr (5 %)."""
    x = ad.simulate("fbm", 400, 1.0, 4, rng=2)
    lower, upper = ad.mle_interval(x)
    _, se = ad.mle_alpha(x)
    np.testing.assert_allclose((upper - lower) / 2, 1.96 * se, rtol=0.05)


def test_interval_levels_nest_and_edges_and_shapes():
    x = ad.simulate("fbm", 40, 0.1, 3, rng=1)
    lo90, hi90 = ad.mle_interval(x, level=0.9)
    lo99, hi99 = ad.mle_interval(x, level=0.99)
    assert np.all(lo99 <= lo90) and np.all(hi90 <= hi99) and np.all(lo99 >= 0) and np.all(hi99 <= 2)
    # a very flat likelihood reaches the end of the range: reported as 0
    assert ad.mle_interval(x[:, :4], level=0.999)[0].min() == 0.0
    single = ad.mle_interval(x[0])
    assert isinstance(single[0], float) and isinstance(single[1], float)
    np.testing.assert_allclose(single, [end[0] for end in ad.mle_interval(x[:1])])


@pytest.mark.parametrize("level, err", [(0, ValueError), (1, ValueError), (1.5, ValueError), (-0.1, ValueError),
                                        (np.nan, ValueError), (True, TypeError), ("0.95", TypeError)])
def test_interval_bad_level(level, err):
    with pytest.raises(err, match="level"):
        ad.mle_interval(ad.simulate("fbm", 20, 0.5, 2, rng=0), level=level)
