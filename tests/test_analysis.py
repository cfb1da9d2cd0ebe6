"""TA-MSD family, exponent fits (with noise correction), EB and the theory they rely on."""

import warnings

import numpy as np
import pytest

import anomdiff as ad
from anomdiff import theory


# ------------------------------------------------------------ reference implementations
def ref_tamsd(x, lags):
    out = np.empty((len(x), len(lags)))
    for i, row in enumerate(x):
        for j, lag in enumerate(lags):
            out[i, j] = sum((row[t + lag] - row[t]) ** 2 for t in range(len(row) - lag)) / (len(row) - lag)
    return out


def ref_eamsd(x):
    return np.array([np.mean([(row[t] - row[0]) ** 2 for row in x]) for t in range(x.shape[1])])


def ref_eb(x, lag):
    values = []
    for t in range(lag + 1, x.shape[1] + 1):
        m = ref_tamsd(x[:, :t], [lag])[:, 0]
        values.append(np.mean(m**2) / np.mean(m) ** 2 - 1)
    return np.array(values)


def _close(a, b, rel=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert np.all(np.abs(a - b) <= rel * np.abs(b) + 1e-300), np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300))


@pytest.fixture(scope="module")
def walks():
    rng = np.random.default_rng(1)
    rw = np.cumsum(rng.standard_normal((6, 120)), axis=1)
    rw[:, 0] = 0
    ctrw = ad.simulate("ctrw", 120, 0.3, 6, rng=2)  # long flat stretches
    ctrw[0] = 0.0  # one immobile trajectory
    return {"random walk": rw, "ctrw": ctrw, "fbm superdiffusive": ad.simulate("fbm", 120, 1.9, 6, rng=3)}


@pytest.mark.parametrize("kind", ["random walk", "ctrw", "fbm superdiffusive"])
@pytest.mark.parametrize("lags", [[1, 2, 5], list(range(1, 120))])  # direct and FFT paths
def test_tamsd_matches_definition(walks, kind, lags):
    x = walks[kind]
    got = ad.tamsd(x, lags)
    _close(got, ref_tamsd(x, lags))
    if kind == "ctrw":
        assert np.all(got[0] == 0)  # immobile: exactly zero
    _close(ad.teamsd(x, lags), ref_tamsd(x, lags).mean(axis=0))


@pytest.mark.parametrize("kind", ["random walk", "ctrw"])
def test_eamsd_and_eb_match_definition(walks, kind):
    x = walks[kind][:, :60]
    _close(ad.eamsd(x), ref_eamsd(x))
    t, e = ad.eb(x, 2)
    assert t.tolist() == list(range(3, 61))
    _close(e, ref_eb(x, 2))


def test_tamsd_shapes():
    x = ad.simulate("fbm", 50, 1.0, 4, rng=0)
    assert ad.tamsd(x, [1, 2, 3]).shape == (4, 3)
    assert ad.tamsd(x[0], [1, 2, 3]).shape == (3,)
    assert ad.tamsd(x.tolist(), 4).shape == (4, 1)
    assert ad.teamsd(x, range(1, 10)).shape == (9,)
    assert ad.eamsd(x).shape == (50,)


# The TA-MSD fit's own bias grows with alpha (about -0.02 at alpha = 1 and -0.04 at 1.5 for
# T = 200, lags 1..20); the 0.03 holds up to alpha ~ 1.25.
@pytest.mark.parametrize("alpha", [0.2, 0.6, 1.0, 1.2])
def test_fit_alpha_recovers_fbm_exponent(alpha):
    x = ad.simulate("fbm", 200, alpha, 1000, rng=5)
    est = ad.fit_alpha(x, range(1, 21))
    assert est.shape == (1000,)
    assert abs(est.mean() - alpha) < 0.03


def test_fit_alpha_diffusivity():
    # Brownian motion with <dx^2> = 1 per step: TA-MSD = lag = 2 D lag**1, D = 1/2.
    x = ad.simulate("fbm", 500, 1.0, 400, rng=6)
    a, d = ad.fit_alpha(x, range(1, 11), return_diffusivity=True)
    assert abs(np.mean(d) - 0.5) < 0.05 and abs(a.mean() - 1) < 0.03
    a1, d1 = ad.fit_alpha(x[0], [1, 2, 3], return_diffusivity=True)
    assert isinstance(a1, float) and isinstance(d1, float)


@pytest.mark.parametrize("alpha", [0.5, 1.0, 1.5])
def test_noise_biases_fit_low_and_correction_removes_most(alpha):
    x = ad.simulate("fbm", 200, alpha, 1000, rng=7)
    noisy = ad.add_localization_noise(x, 0.5, rng=8)
    lags = range(1, 21)
    raw_bias = ad.fit_alpha(noisy, lags).mean() - alpha
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a few short rows may be unusable
        corrected = ad.fit_alpha(noisy, lags, sigma=0.5)
    corr_bias = np.nanmean(corrected) - alpha
    assert raw_bias < -0.05
    assert abs(corr_bias) < 0.5 * abs(raw_bias)


def test_immobile_trajectories_give_nan_and_one_warning():
    x = ad.simulate("fbm", 100, 1.0, 5, rng=0)
    x[1] = 0.0
    x[3] = 2.5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        a = ad.fit_alpha(x, range(1, 10))
    assert np.isnan(a[1]) and np.isnan(a[3]) and np.all(np.isfinite(a[[0, 2, 4]]))
    assert len(caught) == 1 and "2 of 5" in str(caught[0].message)
    assert issubclass(caught[0].category, RuntimeWarning)


def test_eb_ctrw_converges_to_theory():
    limit = theory.eb_ctrw(0.5)
    x = ad.simulate("ctrw", 10_000, 0.5, 2000, rng=9)
    t, e = ad.eb(x, 2)
    samples = e[[97, 997, 9997]]  # t = 100, 1000, 10000: about 1.06, 0.71, 0.61
    assert samples[0] > samples[1] > samples[2]
    # EB(10^4) itself from 10^4 trajectories (in blocks, to bound memory): the estimate's
    # standard error (about 0.02 at N = 1000, measured over seeds) shrinks to ~0.007, well
    # inside the 10 % band, which then tests the physics (the finite-t excess is ~5 %).
    m = np.concatenate([ad.tamsd(ad.simulate("ctrw", 10_000, 0.5, 2000, rng=seed), [2])[:, 0]
                        for seed in range(10, 15)])
    eb_T = np.mean(m**2) / np.mean(m) ** 2 - 1
    assert eb_T > limit
    assert abs(eb_T - limit) < 0.1 * limit


def test_eb_fbm_is_small():
    x = ad.simulate("fbm", 1000, 1.0, 1000, rng=10)
    _, e = ad.eb(x, 2)
    assert e[-1] < 0.02


def test_eb_ctrw_theory_values():
    assert round(float(theory.eb_ctrw(0.5)), 4) == 0.5708
    assert theory.eb_ctrw(1.0) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(theory.eb_ctrw([0.5, 1.0]), [0.5707963, 0.0], atol=1e-7)
    with pytest.raises(ValueError):
        theory.eb_ctrw(1.5)


def _fisher_numeric(alpha, T, h=1e-5):
    """Fisher information of (alpha, D) for FBM increments, by finite differences."""
    n = T - 1
    k = np.arange(n)

    def cov(a, d):
        g = theory.fgn_autocovariance(k, a)
        return d * g[np.abs(k[:, None] - k[None, :])]

    c = cov(alpha, 1.0)
    ci = np.linalg.inv(c)
    da = (cov(alpha + h, 1.0) - cov(alpha - h, 1.0)) / (2 * h)
    dd = (cov(alpha, 1.0 + h) - cov(alpha, 1.0 - h)) / (2 * h)
    parts = [da, dd]
    info = np.array([[0.5 * np.trace(ci @ p @ ci @ q) for q in parts] for p in parts])
    return np.sqrt(np.linalg.inv(info)[0, 0])


@pytest.mark.parametrize("alpha, T", [(0.3, 8), (1.0, 12), (1.7, 20)])
def test_fbm_crlb_matches_numerical_fisher_information(alpha, T):
    assert theory.fbm_crlb(alpha, T) == pytest.approx(_fisher_numeric(alpha, T), rel=1e-5)


def test_fbm_crlb_reference_value_and_vectorized():
    assert theory.fbm_crlb(1.0, 200) == pytest.approx(0.0886, abs=5e-4)
    curve = theory.fbm_crlb(np.linspace(0.2, 1.8, 9), 200)
    assert curve.shape == (9,) and np.all(curve > 0)
    assert theory.fbm_crlb(1.0, 800) < theory.fbm_crlb(1.0, 200)  # more data, tighter bound


@pytest.mark.parametrize(
    "call, error, word",
    [
        (lambda x: ad.tamsd(x, [0, 1]), ValueError, "lag"),
        (lambda x: ad.tamsd(x, [1, 50]), ValueError, "T - 1"),
        (lambda x: ad.tamsd(x, [1.5]), TypeError, "integer"),
        (lambda x: ad.tamsd(x, []), ValueError, "lags"),
        (lambda x: ad.tamsd(x[None], [1]), ValueError, "shape"),
        (lambda x: ad.eamsd(x[0]), ValueError, "shape"),
        (lambda x: ad.fit_alpha(x, [1, 2], sigma=-1), ValueError, "sigma"),
        (lambda x: ad.fit_alpha(x, [3, 3]), ValueError, "two different lags"),
        (lambda x: ad.tamsd(np.where(x > 0, np.nan, x), [1]), ValueError, "NaN"),
        (lambda x: ad.eb(x, 0), ValueError, "lag"),
        (lambda x: ad.eb(x, 50), ValueError, "lag"),
        (lambda x: ad.eb(x[:1], 1), ValueError, "at least two"),
        (lambda x: ad.eb(x, 1.5), TypeError, "lag"),
        (lambda x: theory.fbm_crlb(2.0, 100), ValueError, "alpha"),
        (lambda x: theory.fbm_crlb(1.0, 2), ValueError, "T"),
    ],
)
def test_analysis_bad_input(call, error, word):
    x = ad.simulate("fbm", 50, 1.0, 3, rng=0)
    with pytest.raises(error) as info:
        call(x)
    assert word in str(info.value)


def test_theory_msd_matches_models_at_t0_and_rejects_bad_times():
    for model in ad.MODELS:
        a = 1.0 if model != "lw" else 1.5
        assert float(theory.msd(model, 0.0, a)) == pytest.approx(
            0.0 if model != "attm" else 2 * theory.attm_mean_d_tau(a)
        )
    with pytest.raises(ValueError):
        theory.msd("fbm", -1.0, 0.5)
    assert theory.is_ergodic("fbm") and theory.is_ergodic("lw") and not theory.is_ergodic("ctrw")
