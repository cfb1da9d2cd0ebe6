"""Simulators: ensemble-MSD laws against theory, increment statistics, seeds, bad input.

Statistical tolerances: the EA-MSD at time t is a mean of N values of x_t^2, so its
standard error is std(x_t^2) / sqrt(N); a theory curve must lie within 5 standard errors
(about 1 in 1.7 million by chance for a Gaussian mean). Exponents are fitted over one
decade of times and must be within 0.05 of alpha (the issue's tolerance).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import anomdiff as ad
from anomdiff import theory
from anomdiff import models
from anomdiff.models import _mittag_leffler_times

Z = 5.0


def _slope(t, y):
    return np.polyfit(np.log(t), np.log(y), 1)[0]


def _check_law(model, alpha, T, N, t_fit, seed, rel_sys=0.0, dim=1, **options):
    x = ad.simulate(model, T, alpha, N, rng=seed, dim=dim, **options)
    assert x.shape == ((N, T) if dim == 1 else (N, T, dim))
    sq = x**2 if dim == 1 else np.sum(x**2, axis=-1)
    msd = sq.mean(axis=0)
    se = sq.std(axis=0) / np.sqrt(N)
    t = np.arange(T)
    lo, hi = t_fit
    assert hi == 10 * lo
    slope = _slope(t[lo:hi + 1], msd[lo:hi + 1])
    assert abs(slope - alpha) < 0.05, f"{model} alpha={alpha} dim={dim}: fitted exponent {slope:.3f}"
    check = np.unique(np.geomspace(max(lo // 10, 1), T - 1, 12).astype(int))
    expected = theory.msd(model, check, alpha, dim=dim)
    allowed = Z * se[check] + rel_sys * expected
    assert np.all(np.abs(msd[check] - expected) <= allowed), (
        f"{model} alpha={alpha} dim={dim}: MSD/theory = {np.round(msd[check] / expected, 3)}"
    )


@pytest.mark.parametrize("alpha", [0.3, 1.0, 1.7])
def test_fbm_msd_law(alpha):
    _check_law("fbm", alpha, 1000, 2000, (50, 500), seed=11)


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.0])
def test_sbm_msd_law(alpha):
    _check_law("sbm", alpha, 1000, 2000, (50, 500), seed=12)


@pytest.mark.parametrize("alpha", [0.2, 0.5, 0.8, 1.0])
def test_ctrw_msd_law(alpha):
    _check_law("ctrw", alpha, 1000, 4000, (50, 500), seed=13)


@pytest.mark.parametrize("alpha", [1.0, 1.5, 1.75, 2.0])
def test_levy_walk_msd_law(alpha):
    _check_law("lw", alpha, 1000, 4000, (50, 500), seed=14)


@pytest.mark.slow
@pytest.mark.parametrize("alpha", [0.5, 0.75, 1.0])
def test_attm_msd_law(alpha):
    # Theory is asymptotic with relative corrections O(1/t) (theory.msd_attm): allow 1%
    # beyond the statistics. ATTM's squared displacements are broadly spread (random
    # diffusivities), so N = 10^4 keeps the fitted slope's statistical error near 0.01.
    _check_law("attm", alpha, 2001, 10_000, (200, 2000), seed=15, rel_sys=0.01)


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_attm_small_alpha_follows_law_with_offset(alpha):
    # For small alpha the first segment's constant 2<D tau> dominates: no clean power law
    # over a decade, but the asymptotic law (with the offset) holds.
    T, N = 2000, 4000
    x = ad.simulate("attm", T, alpha, N, rng=16)
    sq = x**2
    t = np.array([300, 1000, T - 1])
    expected = theory.msd("attm", t, alpha)
    se = sq.std(axis=0)[t] / np.sqrt(N)
    assert np.all(np.abs(sq.mean(axis=0)[t] - expected) <= Z * se + 0.01 * expected)


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize(
    "model, alpha",
    [("fbm", 0.5), ("fbm", 1.5), ("sbm", 0.5), ("sbm", 1.5), ("ctrw", 0.5), ("ctrw", 1.0),
     ("lw", 1.0), ("lw", 1.5), ("lw", 2.0)],
)
def test_msd_law_in_2d_and_3d(model, alpha, dim):
    _check_law(model, alpha, 1000, 2000, (50, 500), seed=40 + dim, dim=dim)


@pytest.mark.slow
@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_attm_msd_law_in_2d_and_3d(alpha, dim):
    # As in 1-D: asymptotic theory, 1% beyond the statistics.
    _check_law("attm", alpha, 2001, 10_000, (200, 2000), seed=45 + dim, rel_sys=0.01, dim=dim)


@pytest.mark.parametrize("dim", [1, 2])
def test_attm_msd_law_quick(dim):
    # A cheaper check of the prefactor (run without the slow tests): d times the 1-D law.
    N, T, alpha = 4000, 1001, 0.75
    sq = np.sum(ad.simulate("attm", T, alpha, N, dim=dim, rng=48).reshape(N, T, -1) ** 2, axis=-1)
    t = np.array([100, 300, T - 1])
    expected = theory.msd("attm", t, alpha, dim=dim)
    se = sq.std(axis=0)[t] / np.sqrt(N)
    assert np.all(np.abs(sq.mean(axis=0)[t] - expected) <= Z * se + 0.01 * expected)


def _component_correlation(x):
    """Correlation across trajectories of the components' summed squared increments."""
    s = np.sum(np.diff(x, axis=1) ** 2, axis=1)  # (N, dim)
    return np.corrcoef(s[:, 0], s[:, 1])[0, 1]


@pytest.mark.parametrize("model, alpha", [("fbm", 0.5), ("sbm", 0.5)])
def test_gaussian_components_are_independent(model, alpha):
    N = 4000
    x = ad.simulate(model, 200, alpha, N, dim=3, rng=50)
    # Independent components: the sample correlation is 0 within ~1/sqrt(N).
    assert abs(_component_correlation(x)) < Z / np.sqrt(N)
    assert abs(np.corrcoef(x[:, -1, 0], x[:, -1, 2])[0, 1]) < Z / np.sqrt(N)


def test_attm_components_share_the_diffusivity():
    N = 4000
    x = ad.simulate("attm", 200, 0.5, N, dim=2, rng=51)
    # A shared D(t) makes the components' squared displacements positively correlated ...
    assert _component_correlation(x) > Z / np.sqrt(N)
    # ... while the displacements themselves stay uncorrelated (independent noises).
    assert abs(np.corrcoef(x[:, -1, 0], x[:, -1, 1])[0, 1]) < Z / np.sqrt(N)


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_ctrw_components_jump_together(alpha):
    x = ad.simulate("ctrw", 300, alpha, 200, dim=3, rng=52)
    rest = np.diff(x, axis=1) == 0
    # One waiting-time sequence per trajectory: a step without jumps is still in all components.
    assert rest.any()
    np.testing.assert_array_equal(rest[..., 0], rest[..., 1])
    np.testing.assert_array_equal(rest[..., 0], rest[..., 2])


@pytest.mark.parametrize("dim", [2, 3])
def test_levy_walk_moves_at_unit_speed_in_isotropic_directions(dim):
    from scipy import stats

    N, T = 4000, 200
    x = ad.simulate("lw", T, 1.5, N, dim=dim, rng=53)
    speed = np.linalg.norm(np.diff(x, axis=1), axis=-1)
    assert np.all(speed <= 1 + 1e-12)  # unit speed; a turn within a step shortens it
    assert np.mean(np.abs(speed - 1) < 1e-12) > 0.5
    # Alpha = 2: one straight flight at unit speed in a uniformly random direction.
    line = ad.simulate("lw", T, 2.0, N, dim=dim, rng=54)
    np.testing.assert_allclose(np.linalg.norm(line, axis=-1), np.arange(T) * np.ones((N, 1)), atol=1e-9)
    u = line[:, -1] / (T - 1)
    if dim == 2:  # the angle is uniform on (-pi, pi]
        sample = np.arctan2(u[:, 1], u[:, 0])
        cdf = stats.uniform(-np.pi, 2 * np.pi).cdf
    else:  # Archimedes: each coordinate of a uniform point on the sphere is uniform on [-1, 1]
        sample = u[:, 2]
        cdf = stats.uniform(-1, 2).cdf
    assert stats.kstest(sample, cdf).pvalue > 1e-6
    # Isotropy: every component carries 1/dim of the MSD.
    sq = x[:, -1] ** 2
    total = sq.sum(axis=1)
    for c in range(dim):
        dev = sq[:, c] - total / dim
        assert abs(dev.mean()) < Z * dev.std() / np.sqrt(N)


def test_fbm_increments_have_fgn_autocovariance():
    alpha, N, T = 0.6, 2000, 256
    dx = np.diff(ad.simulate("fbm", T, alpha, N, rng=21), axis=1)
    for k in range(6):
        per_row = np.mean(dx[:, : dx.shape[1] - k] * dx[:, k:], axis=1)
        se = per_row.std() / np.sqrt(N)
        assert abs(per_row.mean() - theory.fgn_autocovariance(k, alpha)) < Z * se


@pytest.mark.parametrize("model, alpha", [("sbm", 0.5), ("sbm", 1.5), ("ctrw", 0.5)])
def test_time_averages_linear_while_ensemble_is_anomalous(model, alpha):
    # N = 4000: the EA-MSD's relative standard error sqrt(2/N) ~ 2% keeps the slope's
    # statistical error well below the 0.05 tolerance.
    T = 1001
    x = ad.simulate(model, T, alpha, 4000, rng=22)
    lags = np.arange(1, 21)  # lag << T
    assert abs(_slope(lags, ad.teamsd(x, lags)) - 1.0) < 0.05
    t = np.arange(100, 1001)
    assert abs(_slope(t, ad.eamsd(x)[t]) - alpha) < 0.05


def test_mittag_leffler_waits_have_power_law_tail():
    alpha = 0.6
    tau = _mittag_leffler_times(alpha, 400_000, np.random.default_rng(3))
    # Survival E_alpha(-t^alpha) ~ t^-alpha / Gamma(1 - alpha) for large t.
    from scipy.special import gamma

    for t in (1e3, 1e4):
        p = np.mean(tau > t)
        expected = t**-alpha / gamma(1 - alpha)
        assert abs(p - expected) < Z * np.sqrt(expected / tau.size) + 0.02 * expected
    assert np.all(tau > 0)


@pytest.mark.parametrize("tau0", [0.1, 1.0, 10.0])
def test_ctrw_first_wait_has_mittag_leffler_survival(tau0):
    # x_1 == 0 exactly when the first wait exceeds one step: probability
    # E_alpha(-(1/tau0)**alpha), which at alpha = 1/2 is erfcx((1/tau0)**(1/2)).
    from scipy.special import erfcx

    N = 20_000
    x = ad.simulate("ctrw", 3, 0.5, N, rng=31, tau0=tau0)
    p = float(erfcx(tau0**-0.5))
    frac = np.mean(x[:, 1] == 0)
    assert abs(frac - p) < Z * np.sqrt(p * (1 - p) / N)


@pytest.mark.parametrize("tau0", [0.3, 1.0, 3.0])
def test_ctrw_alpha_one_rests_poisson(tau0):
    # Exponential waits: the jumps per step are Poisson(1/tau0); no jump with probability
    # exp(-1/tau0) (37 % of steps at tau0 = 1).
    N, T = 2000, 51
    dx = np.diff(ad.simulate("ctrw", T, 1.0, N, rng=32, tau0=tau0), axis=1)
    p = np.exp(-1 / tau0)
    assert abs(np.mean(dx == 0) - p) < Z * np.sqrt(p * (1 - p) / dx.size)


@pytest.mark.parametrize("tau0", [0.01, 10.0])
def test_ctrw_msd_law_for_any_tau0(tau0):
    _check_law("ctrw", 0.6, 1000, 4000, (50, 500), seed=33, tau0=tau0)


def test_ctrw_default_tau0_is_one():
    np.testing.assert_array_equal(
        ad.simulate("ctrw", 200, 0.5, 5, rng=3), ad.simulate("ctrw", 200, 0.5, 5, rng=3, tau0=1.0)
    )


@pytest.mark.parametrize("alpha", [1e-3, 1e-300])
def test_ctrw_tiny_alpha_keeps_jumps_at_time_zero(alpha):
    # Waits underflow to 0 at tiny alpha: those renewals are still jumps (EA-MSD ~ 1).
    N, T = 20_000, 100
    x = ad.simulate("ctrw", T, alpha, N, rng=34)
    sq = x[:, [1, T - 1]] ** 2
    expected = theory.msd("ctrw", np.array([1, T - 1]), alpha)
    assert np.all(np.abs(sq.mean(axis=0) - expected) < Z * sq.std(axis=0) / np.sqrt(N))


def test_levy_walk_equilibrium_option():
    # Pareto flights last >= 1: without an equilibrium start the first flight runs the
    # whole first step (|x_1| = 1); in equilibrium the flight under way at t = 0 is shorter
    # than one step with probability 1/<tau> * P(uniform part) > 0.
    N = 4000
    fresh = ad.simulate("lw", 3, 1.5, N, rng=35, equilibrium=False)
    np.testing.assert_allclose(np.abs(fresh[:, 1]), 1.0)
    eq = ad.simulate("lw", 3, 1.5, N, rng=35)
    assert np.mean(np.abs(eq[:, 1]) < 1 - 1e-12) > 0.1
    np.testing.assert_array_equal(eq, ad.simulate("lw", 3, 1.5, N, rng=35, equilibrium=True))


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("alpha", [1.3, 1.8])
def test_levy_walk_out_of_equilibrium_follows_its_law(alpha, dim):
    # theory.msd(equilibrium=False) is an asymptotic series: compare from t = 10 on.
    N, T = 4000, 1000
    x = ad.simulate("lw", T, alpha, N, dim=dim, rng=36, equilibrium=False)
    sq = (x**2).reshape(N, T, -1).sum(axis=-1)
    t = np.array([10, 30, 100, 300, T - 1])
    expected = theory.msd("lw", t, alpha, dim=dim, equilibrium=False)
    se = sq.std(axis=0)[t] / np.sqrt(N)
    assert np.all(np.abs(sq.mean(axis=0)[t] - expected) <= Z * se)
    # ... below the equilibrium law (ultraweak ergodicity breaking: factor -> sigma - 1).
    assert np.all(expected[2:] < theory.msd("lw", t[2:], alpha, dim=dim))


def test_ergodic_models_beside_models():
    assert ad.ERGODIC_MODELS == models.ERGODIC_MODELS == ("fbm", "lw")
    assert set(ad.ERGODIC_MODELS) <= set(ad.MODELS)


@pytest.mark.parametrize("model", ad.MODELS)
def test_same_seed_same_trajectories(model):
    alpha = 1.0
    a = ad.simulate(model, 300, alpha, 5, rng=7)
    b = ad.simulate(model, 300, alpha, 5, rng=np.random.default_rng(7))
    c = ad.simulate(model, 300, alpha, 5, rng=8)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == (5, 300) and np.all(a[:, 0] == 0)
    for dim in (2, 3):
        d = ad.simulate(model, 300, alpha, 5, dim=dim, rng=7)
        np.testing.assert_array_equal(d, ad.simulate(model, 300, alpha, 5, dim=dim, rng=7))
        assert d.shape == (5, 300, dim) and d.dtype == np.float64 and np.all(d[:, 0] == 0)
    assert ad.simulate(model, 300, alpha, 5, dim=1, rng=7).shape == (5, 300)


@pytest.mark.parametrize("model", ["attm", "ctrw"])
@pytest.mark.parametrize("alpha", [1e-9, 1e-3, 0.02])
def test_tiny_exponents_terminate(model, alpha):
    x = ad.simulate(model, 2000, alpha, 200, rng=1)
    assert np.all(np.isfinite(x))


def test_ctrw_long_trajectories_work():
    x = ad.simulate("ctrw", 100_000, 0.5, 20, rng=2)
    assert x.shape == (20, 100_000) and np.all(np.isfinite(x))


def test_model_by_label_and_alpha_ranges():
    assert ad.MODELS == ("attm", "ctrw", "fbm", "lw", "sbm")
    np.testing.assert_array_equal(ad.simulate(2, 50, 0.5, 2, rng=0), ad.simulate("FBM", 50, 0.5, 2, rng=0))
    assert ad.alpha_range("ctrw") == (0.0, 1.0)
    assert ad.alpha_range("lw") == (1.0, 2.0)
    assert ad.alpha_range("fbm") == (0.0, 2.0)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(model="fbm", T=2.5, alpha=0.5), TypeError, "T"),
        (dict(model="fbm", T="100", alpha=0.5), TypeError, "T"),
        (dict(model="fbm", T=1, alpha=0.5), ValueError, "T"),
        (dict(model="fbm", T=100, alpha=0.5, N=0), ValueError, "N"),
        (dict(model="fbm", T=100, alpha=0.5, N=1.5), TypeError, "N"),
        (dict(model="brownian", T=100, alpha=0.5), ValueError, "unknown model"),
        (dict(model=7, T=100, alpha=0.5), ValueError, "label"),
        (dict(model=None, T=100, alpha=0.5), TypeError, "model"),
        (dict(model="fbm", T=100, alpha=2.0), ValueError, "(0, 2)"),
        (dict(model="fbm", T=100, alpha=0.0), ValueError, "(0, 2)"),
        (dict(model="ctrw", T=100, alpha=1.2), ValueError, "(0, 1]"),
        (dict(model="attm", T=100, alpha=1.01), ValueError, "(0, 1]"),
        (dict(model="lw", T=100, alpha=0.9), ValueError, "[1, 2]"),
        (dict(model="sbm", T=100, alpha=2.1), ValueError, "(0, 2]"),
        (dict(model="sbm", T=100, alpha=float("nan")), ValueError, "alpha"),
        (dict(model="sbm", T=100, alpha=float("inf")), ValueError, "alpha"),
        (dict(model="sbm", T=100, alpha="0.5"), TypeError, "alpha"),
        (dict(model="sbm", T=100, alpha=0.5, rng="seed"), TypeError, "rng"),
        (dict(model="sbm", T=100, alpha=0.5, rng=-1), ValueError, "rng"),
        (dict(model=True, T=10, alpha=0.5), TypeError, "model"),
        (dict(model="fbm", T=True, alpha=0.5), TypeError, "T"),
        (dict(model="fbm", T=10, alpha=0.5, N=True), TypeError, "N"),
        (dict(model="fbm", T=10, alpha=0.5, dim=True), TypeError, "dim"),
        (dict(model="fbm", T=10, alpha=True), TypeError, "alpha"),
        (dict(model="fbm", T=10, alpha=0.5, dim=4), ValueError, "dim"),
        (dict(model="fbm", T=10, alpha=0.5, dim=0), ValueError, "dim"),
        (dict(model="fbm", T=10, alpha=0.5, tau0=1.0), TypeError, "model 'fbm' takes no options"),
        (dict(model="ctrw", T=10, alpha=0.5, tau=1.0), TypeError, "model 'ctrw' takes tau0"),
        (dict(model="lw", T=10, alpha=1.5, tau0=1.0), TypeError, "model 'lw' takes equilibrium"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0=0.0), ValueError, "tau0"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0=-1.0), ValueError, "tau0"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0=float("inf")), ValueError, "tau0"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0="1"), TypeError, "tau0"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0=True), TypeError, "tau0"),
        (dict(model="ctrw", T=10, alpha=0.5, tau0=1e-300), ValueError, "tau0"),
        (dict(model="ctrw", T=10, alpha=1.0, tau0=1e-300), ValueError, "tau0"),
        (dict(model="lw", T=10, alpha=1.5, equilibrium="no"), TypeError, "equilibrium"),
        (dict(model="lw", T=10, alpha=1.5, equilibrium=1), TypeError, "equilibrium"),
    ],
)
def test_bad_input_is_explained(kwargs, error, words):
    with pytest.raises(error) as info:
        ad.simulate(**kwargs)
    assert words in str(info.value)


def test_per_model_simulators_are_private():
    # simulate is the one entry point (validation, argument order); the per-model
    # functions skip validation.
    for name in ("fbm", "sbm", "ctrw", "attm", "levy_walk", "ctrw_tau0", "mittag_leffler_times"):
        assert not hasattr(models, name), name
    for name in ("_fbm", "_sbm", "_ctrw", "_attm", "_levy_walk"):
        assert callable(getattr(models, name))


def test_fbm_uses_the_theory_autocovariance(monkeypatch):
    # One fact, one place: the simulator draws increments from theory's fGn autocovariance.
    calls, original = [], theory.fgn_autocovariance

    def spy(k, alpha):
        calls.append(alpha)
        return original(k, alpha)

    monkeypatch.setattr(theory, "fgn_autocovariance", spy)
    ad.simulate("fbm", 20, 0.7, 2, rng=0)
    assert calls == [0.7]


@pytest.mark.parametrize(
    "model, T, N, dim",
    [("fbm", 10**9, 1000, 1), ("ctrw", 10**12, 1, 1), ("sbm", 10**6, 10**6, 3), ("lw", 2, 10**12, 2)],
)
def test_impossible_sizes_refused_at_once(model, T, N, dim):
    import time

    alpha = 1.5 if model == "lw" else 0.5
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        ad.simulate(model, T, alpha, N, dim=dim)
    assert time.perf_counter() - start < 0.5
    need = 8 * N * T * dim
    assert f"{need:,} bytes" in str(info.value) and "N, T, dim" in str(info.value)


@pytest.mark.parametrize("model", ["fbm", "ctrw", "attm"])
def test_work_memory_counts_too(model):
    # One trajectory of 10^9 points: an 8 GB result, but far more with the work arrays
    # (FBM's circulant rows, the renewal models' per-row bins).
    with pytest.raises(ValueError, match="work arrays"):
        ad.simulate(model, 10**9, 0.5)


def test_size_limit_is_the_documented_one():
    assert models.MAX_RESULT_BYTES == 8 * 2**30
    # Just above the limit is refused, whatever the machine; well below is built.
    with pytest.raises(ValueError, match="GiB"):
        ad.simulate("sbm", models.MAX_RESULT_BYTES // 8 + 1, 0.5)
    assert ad.simulate("sbm", 1000, 0.5, 10, dim=3).nbytes == 8 * 1000 * 10 * 3


_ANY = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 60), st.sampled_from([10**12, 2**70]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5),
    st.sampled_from(list(ad.MODELS) + ["FBM", " lw ", [1], (), {}, np.float64(0.5), np.bool_(True)]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=_ANY, T=_ANY, alpha=_ANY, N=_ANY, dim=_ANY, option=st.sampled_from(
    [{}, {"tau0": 0.5}, {"equilibrium": False}, {"tau0": -1}, {"equilibrium": "yes"}, {"speed": 1}]))
def test_any_input_gives_trajectories_or_a_named_error(model, T, alpha, N, dim, option):
    # Every failure is a ValueError/TypeError that starts with the parameter at fault.
    try:
        x = ad.simulate(model, T, alpha, N, dim=dim, rng=0, **option)
    except (TypeError, ValueError) as err:
        assert str(err).split(":")[0] in {"model", "T", "alpha", "N", "dim", "options", "tau0",
                                          "equilibrium", "N, T, dim"}, repr(err)
    else:
        assert x.dtype == np.float64 and np.all(np.isfinite(x)) and np.all(x[:, 0] == 0)
        assert x.shape[:2] == (N, T) and x.ndim == (2 if dim == 1 else 3)
