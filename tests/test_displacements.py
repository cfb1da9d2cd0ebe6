"""Tests of anomdiff.displacements: van Hove distributions, non-Gaussian parameter,
increment autocorrelation (FBM theory vs CTRW)."""

import importlib
import math

import numpy as np
import pytest

import anomdiff as ad
from anomdiff import displacements as dp


def _block_mean_se(values):
    """Mean and standard error over independent blocks (rows of ``values``)."""
    values = np.asarray(values)
    return values.mean(axis=0), values.std(axis=0, ddof=1) / np.sqrt(len(values))


def test_displacements_pool_valid_pairs_only():
    x = [[0.0, 1.0, 3.0, np.nan], [0.0, -1.0, np.nan, 5.0]]
    assert sorted(dp.displacements(x, 1).tolist()) == [-1.0, 1.0, 2.0]
    assert sorted(dp.displacements(x, 2).tolist()) == [3.0, 6.0]
    x2 = ad.simulate("fbm", 20, 0.5, 3, dim=2, rng=0)
    assert dp.displacements(x2, 4).shape == (3 * 16, 2)
    np.testing.assert_allclose(dp.displacements(x2, 4)[0], x2[0, 4] - x2[0, 0])


def test_van_hove_is_a_normalized_density_and_gaussian_for_fbm():
    x = ad.simulate("fbm", 400, 0.6, 200, rng=1)
    centers, dens = dp.van_hove(x, [1, 20], bins=31, scaled=True)
    width = centers[:, 1] - centers[:, 0]
    np.testing.assert_allclose(np.sum(dens * width[:, None], axis=1), 1.0)
    assert np.allclose(centers.mean(axis=1), 0.0, atol=1e-12)
    # against the unit Gaussian integrated over each bin; Poisson error of the counts
    # (displacements at one lag overlap in time, so the counts are not independent:
    # allow 5 standard errors)
    for i, lag in enumerate([1, 20]):
        n_tot = 200 * (400 - lag)
        edges = np.r_[centers[i] - width[i] / 2, centers[i, -1] + width[i] / 2]
        cdf = np.array([0.5 * (1 + math.erf(e / math.sqrt(2))) for e in edges])
        expect = np.diff(cdf) / width[i]
        counts = dens[i] * n_tot * width[i]
        se = np.sqrt(np.maximum(counts, 1)) / (n_tot * width[i])
        big = counts > 50
        eff = np.sqrt(lag)  # overlapping windows: ~lag-fold fewer independent samples
        assert np.all(np.abs(dens[i] - expect)[big] < 5 * eff * se[big]), lag


def test_van_hove_ctrw_has_a_cusp():
    x = ad.simulate("ctrw", 400, 0.4, 200, rng=2)
    centers, dens = dp.van_hove(x, 5, bins=41, scaled=True)
    w = centers[0, 1] - centers[0, 0]
    gauss = math.erf(w / 2 / math.sqrt(2)) / w  # unit Gaussian averaged over the central bin
    n_tot = 200 * (400 - 5)
    se = math.sqrt(dens[0, 20] * w * n_tot) / (n_tot * w) * math.sqrt(5)  # overlapping windows
    # walkers that did not jump in the window pile up at 0 (a cusp above the Gaussian)
    assert dens[0, 20] > gauss + 10 * se


def test_non_gaussian_zero_for_fbm_in_1d_and_2d():
    for dim in (1, 2):
        x = ad.simulate("fbm", 300, 0.7, 400, dim=dim, rng=3 + dim)
        blocks = [dp.non_gaussian(x[b::10], [1, 10, 50]) for b in range(10)]
        mean, se = _block_mean_se(blocks)
        assert np.all(np.abs(mean) < 4 * se + 0.01), (dim, mean, se)


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_non_gaussian_of_a_gaussian_mixture_is_var_over_mean_squared(dim):
    """Brownian walkers with D = 1 or 3 (equally likely): G = Var(D) / <D>^2 = 1/4."""
    rng = np.random.default_rng(10 + dim)
    n = 4000
    D = rng.choice([1.0, 3.0], n)
    steps = np.sqrt(2 * D)[:, None, None] * rng.standard_normal((n, 50, dim))
    x = np.concatenate([np.zeros((n, 1, dim)), np.cumsum(steps, axis=1)], axis=1)
    if dim == 1:
        x = x[..., 0]
    blocks = [dp.non_gaussian(x[b::20], 3) for b in range(20)]
    mean, se = _block_mean_se(blocks)
    assert abs(mean[0] - 0.25) < 4 * se[0], (mean, se)


@pytest.mark.parametrize("alpha, lag", [(0.5, 1), (0.5, 3), (1.5, 2), (1.0, 2)])
def test_increment_autocorrelation_of_fbm_matches_theory(alpha, lag):
    x = ad.simulate("fbm", 500, alpha, 400, rng=int(10 * alpha) + lag)
    blocks = [dp.increment_autocorrelation(x[b::10], lag, max_tau=4 * lag)[1] for b in range(10)]
    mean, se = _block_mean_se(blocks)
    tau = np.arange(4 * lag + 1)
    theory = ad.theory.fgn_autocovariance(tau, alpha, lag) / lag**alpha
    assert mean[0] == 1.0
    assert np.all(np.abs(mean - theory)[1:] < 4 * se[1:] + 1e-3), (mean, theory, se)
    # the closed form of the docstring
    s = tau / lag
    np.testing.assert_allclose(theory, ((s + 1) ** alpha + np.abs(s - 1) ** alpha - 2 * s**alpha) / 2,
                               atol=1e-12)


def test_increment_autocorrelation_tells_ctrw_from_fbm():
    """Weber et al.: FBM (alpha < 1) has a negative dip at tau = delta; the CTRW has none."""
    alpha, lag = 0.5, 2
    x = ad.simulate("ctrw", 500, alpha, 1000, rng=20)
    blocks = [dp.increment_autocorrelation(x[b::10], lag, max_tau=3 * lag)[1] for b in range(10)]
    mean, se = _block_mean_se(blocks)
    # disjoint windows (tau >= delta): independent zero-mean jumps, no correlation
    assert np.all(np.abs(mean[lag:]) < 4 * se[lag:]), (mean, se)
    fbm_dip = ad.theory.fgn_autocovariance(lag, alpha, lag) / lag**alpha
    assert fbm_dip < -0.25 and mean[lag] - fbm_dip > 10 * se[lag]
    # overlapping windows share jumps: positive
    assert mean[1] > 0.2


def test_increment_autocorrelation_nan_aware():
    x = ad.simulate("fbm", 300, 0.5, 200, rng=21)
    ref = dp.increment_autocorrelation(x, 1, max_tau=3)[1]
    holes = x.copy()
    rng = np.random.default_rng(0)
    holes[rng.random(holes.shape) < 0.05] = np.nan
    holes[:, 0] = 0.0
    got = dp.increment_autocorrelation(holes, 1, max_tau=3)[1]
    np.testing.assert_allclose(got, ref, atol=0.03)
    tau, c = dp.increment_autocorrelation([x[0], x[1, :100]], 1)
    assert tau.tolist() == list(range(11)) and c.shape == (11,)


@pytest.mark.parametrize("call, err, msg", [
    (lambda: dp.van_hove(np.zeros((2, 10)), 10), ValueError, "lags"),
    (lambda: dp.van_hove(np.zeros((2, 10)), 1, bins=1), ValueError, "bins"),
    (lambda: dp.van_hove(np.zeros((2, 10)), 1, scaled="yes"), TypeError, "scaled"),
    (lambda: dp.non_gaussian(np.full((2, 10), np.nan), 1), ValueError, "trajs"),
    (lambda: dp.non_gaussian("abc", 1), TypeError, "trajs"),
    (lambda: dp.increment_autocorrelation(np.zeros((2, 10)), 10), ValueError, "lag"),
    (lambda: dp.increment_autocorrelation(np.zeros((2, 10)), 2, max_tau=8), ValueError, "max_tau"),
    (lambda: dp.increment_autocorrelation(np.zeros((2, 10)), 1.5), TypeError, "lag"),
    (lambda: dp.displacements(np.zeros((2, 10)), [1, 2]), TypeError, "lag"),
])
def test_bad_input(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


@pytest.mark.parametrize("name", dp.__all__)
def test_docstrings_pass_numpydoc(name):
    validate = importlib.import_module("numpydoc.validate")
    errors = [e for e in validate.validate(f"anomdiff.displacements.{name}")["errors"]
              if e[0] in {"GL08", "PR01", "PR02", "RT01", "EX01", "SA01"}]
    assert not errors, errors
