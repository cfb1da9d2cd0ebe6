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


@pytest.mark.slow
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


def test_eb_brownian_lag_one_is_two_over_t_minus_one():
    # m = mean of t - 1 iid squared N(0, 1) steps: Var(m) / <m>^2 = 2 / (t - 1) (docstring).
    x = ad.simulate("fbm", 101, 1.0, 20_000, rng=12)
    blocks = np.array([ad.eb(b, 1)[1][[9, 99]] for b in x.reshape(10, 2000, 101)])  # t = 11, 101
    mean, se = blocks.mean(axis=0), blocks.std(axis=0, ddof=1) / np.sqrt(10)
    np.testing.assert_array_less(np.abs(mean - 2 / np.array([10, 100])), 4 * se)


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
        (lambda x: ad.tamsd(x[None, ..., None], [1]), ValueError, "shape"),
        (lambda x: ad.eamsd(x[0]), ValueError, "shape"),
        (lambda x: ad.fit_alpha(x, [1, 2], sigma=-1), ValueError, "sigma"),
        (lambda x: ad.fit_alpha(x, [3, 3]), ValueError, "two different lags"),
        (lambda x: ad.tamsd(np.where(x > 0, np.inf, x), [1]), ValueError, "infinite"),
        (lambda x: ad.tamsd(np.where(x[:, :1] == 0, np.nan, x), [1]), ValueError, "trajectory 0"),
        (lambda x: ad.fit_alpha(x, [1, 2], return_diffusivity="no"), TypeError, "return_diffusivity"),
        (lambda x: ad.eamsd(np.zeros((2, 5, 0))), ValueError, "shape"),
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


# ------------------------------------------------- d dimensions, gaps and unequal lengths
def ref_tamsd_gaps(x, lags):
    """Loop reference: mean over pairs (t, t+lag) with both points present, |.|^2 summed."""
    x = np.asarray(x, float)
    x = x[..., None] if x.ndim == 2 else x
    out = np.full((len(x), len(lags)), np.nan)
    for i, row in enumerate(x):
        for j, lag in enumerate(lags):
            s = [np.sum((row[t + lag] - row[t]) ** 2) for t in range(len(row) - lag)
                 if not (np.isnan(row[t]).any() or np.isnan(row[t + lag]).any())]
            if s:
                out[i, j] = np.mean(s)
    return out


def _gappy(d, N=6, T=130, seed=0, rate=0.25):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.standard_normal((N, T, d)), axis=1) * rng.uniform(0.1, 100, (N, 1, 1)) + 1e3
    x[rng.random((N, T)) < rate] = np.nan  # blinking
    x[1, 40:] = np.nan  # a shorter track
    x[2, :7] = np.nan  # starts late
    return x if d > 1 else x[..., 0]


@pytest.mark.parametrize("d", [1, 2, 3])
@pytest.mark.parametrize("lags", [[1, 2, 5], list(range(1, 130))])  # direct and FFT paths
def test_tamsd_with_gaps_matches_loop_reference(d, lags):
    x = _gappy(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the short track lacks the long lags
        got = ad.tamsd(x, lags)
    ref = ref_tamsd_gaps(x, lags)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    _close(got[ok], ref[ok])


@pytest.mark.parametrize("lags", [[1, 2, 5], list(range(1, 120))])
def test_tamsd_gapless_d_dims_is_sum_of_components(walks, lags):
    x = np.stack([walks["random walk"], walks["ctrw"], walks["fbm superdiffusive"]], axis=2)
    got = ad.tamsd(x, lags)
    _close(got, sum(ad.tamsd(x[:, :, k], lags) for k in range(3)))
    _close(got, ref_tamsd_gaps(x, lags))


def test_ragged_list_equals_nan_padding():
    rng = np.random.default_rng(3)
    tracks = [np.cumsum(rng.standard_normal((n, 2)), axis=0) for n in (12, 30, 5)]
    padded = np.full((3, 30, 2), np.nan)
    for i, tr in enumerate(tracks):
        padded[i, : len(tr)] = tr
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = ad.tamsd(tracks, range(1, 20))
    assert len(caught) == 1 and "2 of 3 trajectories" in str(caught[0].message)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(ref_tamsd_gaps(padded, range(1, 20))))
    ok = np.isfinite(got)
    _close(got[ok], ref_tamsd_gaps(padded, range(1, 20))[ok])
    assert np.isnan(got[2, 4:]).all() and np.isfinite(got[2, :4]).all()
    _close(ad.eamsd(tracks)[1:], ad.eamsd(padded)[1:])


def test_masked_array_points_become_missing():
    x = np.ma.masked_array([0.0, 1.0, 100.0, 3.0], mask=[0, 0, 1, 0])
    assert ad.tamsd(x, [1, 2]).tolist() == [1.0, 4.0]
    assert ad.tamsd([x], [1]).tolist() == [[1.0]]


def test_eamsd_teamsd_with_gaps():
    x = _gappy(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ea = ad.eamsd(x)
        te = ad.teamsd(x, [1, 3, 60])
        ta = ad.tamsd(x, [1, 3, 60])
    # EA-MSD: only trajectories with x_0 present (row 2 starts late) and x_t present.
    d = np.sum((x - x[:, :1]) ** 2, axis=2)
    ref = [np.mean(c[~np.isnan(c)]) if np.any(~np.isnan(c)) else np.nan for c in d.T]
    np.testing.assert_allclose(ea, ref, rtol=1e-12)
    np.testing.assert_allclose(te, [np.mean(c[~np.isnan(c)]) for c in ta.T], rtol=1e-12)


def test_eamsd_time_without_any_pair_is_nan_with_warning():
    with pytest.warns(RuntimeWarning, match="no trajectory"):
        ea = ad.eamsd([[0.0, np.nan, 2.0], [0.0, np.nan, 1.0]])
    assert np.isnan(ea[1]) and ea[2] == 2.5


def test_eb_with_gaps_matches_loop_reference():
    x = _gappy(2, N=5, T=40, seed=4)
    x[:, 1] = np.nan
    x[1:, 2] = np.nan  # at cut length 3 only one trajectory has a pair: EB undefined
    with pytest.warns(RuntimeWarning, match="fewer than two"):
        t, got = ad.eb(x, 2)
    values = []
    for cut in range(3, 41):
        m = ref_tamsd_gaps(x[:, :cut], [2])[:, 0]
        m = m[~np.isnan(m)]
        values.append(np.mean(m**2) / np.mean(m) ** 2 - 1 if m.size > 1 else np.nan)
    assert np.isnan(got[0]) and np.array_equal(np.isnan(got), np.isnan(values))
    ok = ~np.isnan(got)
    _close(got[ok], np.array(values)[ok])


def test_eb_is_scale_free():
    x = ad.simulate("ctrw", 200, 0.5, 20, rng=1)
    _, e = ad.eb(x, 2)
    for scale in (2.0**-530, 2.0**500):  # powers of two: exact rescaling, equal results
        np.testing.assert_array_equal(ad.eb(x * scale, 2)[1], e)
    _close(ad.eb(x * 1e-160, 1)[1], ad.eb(x, 1)[1], rel=1e-12)
    _close(ad.eb(x * 1e150, 1)[1], ad.eb(x, 1)[1], rel=1e-12)


def test_fit_alpha_in_d_dims_and_noise_offset_2d_sigma2():
    # 2-D Brownian motion with unit variance per component and step: TA-MSD = 2 lag, so
    # K = 1/2 (TA-MSD = 2 d K lag), alpha = 1; noise adds 2 d sigma^2 = 4 sigma^2.
    x = ad.simulate("fbm", 400, 1.0, 300, dim=2, rng=11)
    a, k = ad.fit_alpha(x, range(1, 11), return_diffusivity=True)
    assert abs(a.mean() - 1) < 0.03 and abs(k.mean() - 0.5) < 0.05
    noisy = ad.add_localization_noise(x, 0.7, rng=12)
    assert abs(ad.teamsd(noisy, [5])[0] - ad.teamsd(x, [5])[0] - 4 * 0.7**2) < 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        corrected = ad.fit_alpha(noisy, range(1, 11), sigma=0.7)
    raw = ad.fit_alpha(noisy, range(1, 11))
    assert abs(np.nanmean(corrected) - 1) < 0.5 * abs(raw.mean() - 1)


def test_fit_alpha_duplicate_lags_counted_once():
    # The fuzzer's case: TA-MSD(2) = 0, so only lag 1 is usable: NaN, with the warning.
    with pytest.warns(RuntimeWarning, match="fewer than two lags"):
        assert np.isnan(ad.fit_alpha([0.0, 1.0, 0.0, 1.0, 0.0], [1, 1, 2]))
    x = ad.simulate("fbm", 50, 0.7, 3, rng=0)
    np.testing.assert_array_equal(ad.fit_alpha(x, [3, 1, 1, 2]), ad.fit_alpha(x, [1, 2, 3]))


def test_fit_alpha_huge_sigma_is_nan_with_warning():
    x = ad.simulate("fbm", 50, 0.7, 3, rng=0)
    with pytest.warns(RuntimeWarning, match="after the noise correction"):
        a = ad.fit_alpha(x, [1, 2, 3], sigma=1e155)
    assert np.all(np.isnan(a))


def test_tamsd_overflow_warns():
    with pytest.warns(RuntimeWarning, match="overflow"):
        m = ad.tamsd(np.r_[0.0, 1e200, 0.0], 1)
    assert np.isinf(m[0])


def test_tamsd_lag_without_pairs_is_nan_with_one_warning():
    x = [[0.0, 1.0, np.nan, np.nan, np.nan], [0.0, 1.0, 2.0, 3.0, 4.0]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = ad.tamsd(x, [1, 2, 3])
    assert len(caught) == 1 and "1 of 2" in str(caught[0].message)
    assert m[0, 0] == 1.0 and np.isnan(m[0, 1:]).all() and m[1].tolist() == [1.0, 4.0, 9.0]


def test_single_trajectory_shapes_in_d_dims():
    y = ad.simulate("fbm", 30, 1.0, 1, dim=2, rng=0)  # (1, 30, 2)
    assert ad.tamsd(y, [1, 2]).shape == (1, 2)
    assert ad.fit_alpha(y, [1, 2]).shape == (1,)
    # A 2-D array is always a set of 1-D trajectories (N, T): y[0] is 30 trajectories of 2 points.
    assert ad.tamsd(y[0], 1).shape == (30, 1)
    with pytest.raises(ValueError, match=r"y\[None\]"):
        ad.tamsd(y[0], [1, 5])
    assert ad.normalize(y).shape == y.shape and ad.add_localization_noise(y[0], 0.1, rng=0).shape == (30, 2)


def test_tamsd_gaps_fft_fallback_keeps_accuracy(walks):
    # Long immobile CTRW stretches far from the origin: tiny sums next to large positions,
    # where the FFT path alone would lose accuracy (the direct fallback must catch them).
    x = walks["ctrw"][1:] + 1e4
    x[:, 30:33] = np.nan
    x[0, 60:] = np.nan
    lags = list(range(1, 120))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        got = ad.tamsd(x, lags)
    ref = ref_tamsd_gaps(x, lags)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    ok = ~np.isnan(ref)
    _close(got[ok], ref[ok])
