"""Property tests: any admitted (model, alpha, T, N) gives finite (N, T) paths from 0; bad
values given to the public analysis functions get a ValueError/TypeError naming the parameter,
or a documented NaN with a warning."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import anomdiff as ad
from anomdiff.models import admits


@st.composite
def cases(draw):
    model = draw(st.sampled_from(ad.MODELS))
    low, high = ad.alpha_range(model)
    alpha = draw(st.floats(low, high, allow_nan=False))
    if not admits(model, alpha):
        alpha = (low + high) / 2
    T = draw(st.integers(2, 300))
    N = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    return model, alpha, T, N, seed


@settings(max_examples=150, deadline=None)
@given(cases())
def test_shape_finite_and_starts_at_zero(case):
    model, alpha, T, N, seed = case
    x = ad.simulate(model, T, alpha, N, rng=seed)
    assert x.shape == (N, T)
    assert x.dtype == np.float64
    assert np.all(np.isfinite(x))
    assert np.all(x[:, 0] == 0)


@settings(max_examples=60, deadline=None)
@given(cases(), st.floats(0, 10, allow_nan=False))
def test_normalize_and_noise_keep_shape(case, sigma):
    model, alpha, T, N, seed = case
    x = ad.simulate(model, T, alpha, N, rng=seed)
    noisy = ad.add_localization_noise(x, sigma, rng=seed)
    immobile = np.all(noisy == noisy[:, :1], axis=1)  # e.g. a CTRW that never jumped, sigma = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        z = ad.normalize(noisy)
    assert z.shape == x.shape
    assert np.all(np.isfinite(z[~immobile])) and np.all(z[~immobile, 0] == 0)
    assert np.all(np.isnan(z[immobile])) and len(caught) == int(immobile.any())


# ------------------------------------------------------------------ bad values, clear errors
BAD_TRAJS = [
    None, "abc", {}, [], [[]], 3.0, [True, False], np.array([1 + 1j, 2]), np.zeros((2, 3, 4, 5)),
    np.zeros((0, 5)), np.zeros((2, 5, 0)), [[0.0, np.inf, 1.0]], [[np.nan, np.nan, np.nan]],
    [[0.0, 1.0], "ab"], [[0.0, 1.0], [0.0, [1.0, 2.0]]], [np.zeros((3, 2)), np.zeros(4)],
    [np.zeros((3, 2)), np.zeros((3, 3))], np.array([["a", "b"]]), [{}], [None, None],
]
BAD_LAGS = [0, -1, 1.5, "1", [], [True], [1, 10**6], np.nan, None, [[1, 2]], {}, [1, "2"]]
BAD_SIGMA = [-1.0, np.nan, np.inf, "0.1", True, [0.1], {}, -1e-300]


def _accepts(call, name):
    """Run call(): ok if it returns (any NaN comes with a RuntimeWarning) or raises a
    ValueError/TypeError whose message names the parameter ``name``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = call()
        except (ValueError, TypeError) as err:
            assert name in str(err), f"{type(err).__name__} without {name!r}: {err}"
            return
    values = out if isinstance(out, tuple) else (out,)
    if any(np.isnan(np.asarray(v, dtype=float)).any() for v in values):
        assert any(issubclass(w.category, RuntimeWarning) for w in caught), "NaN without a warning"


GOOD = np.cumsum(np.random.default_rng(0).standard_normal((3, 12)), axis=1)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from(BAD_TRAJS), st.sampled_from(["tamsd", "eamsd", "teamsd", "fit_alpha", "eb",
                                                    "normalize", "noise"]))
def test_bad_trajectories_get_clear_errors(trajs, fn):
    calls = {
        "tamsd": lambda: ad.tamsd(trajs, [1]), "eamsd": lambda: ad.eamsd(trajs),
        "teamsd": lambda: ad.teamsd(trajs, [1]), "fit_alpha": lambda: ad.fit_alpha(trajs, [1, 2]),
        "eb": lambda: ad.eb(trajs, 1), "normalize": lambda: ad.normalize(trajs),
        "noise": lambda: ad.add_localization_noise(trajs, 0.1, rng=0),
    }
    _accepts(calls[fn], "trajs")


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(BAD_LAGS), st.sampled_from(["tamsd", "teamsd", "fit_alpha", "eb"]))
def test_bad_lags_get_clear_errors(lags, fn):
    calls = {
        "tamsd": lambda: ad.tamsd(GOOD, lags), "teamsd": lambda: ad.teamsd(GOOD, lags),
        "fit_alpha": lambda: ad.fit_alpha(GOOD, lags), "eb": lambda: ad.eb(GOOD, lags),
    }
    _accepts(calls[fn], "lag")


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(BAD_SIGMA), st.sampled_from(["fit_alpha", "noise"]))
def test_bad_sigma_gets_clear_errors(sigma, fn):
    if fn == "fit_alpha":
        _accepts(lambda: ad.fit_alpha(GOOD, [1, 2], sigma=sigma), "sigma")
    else:
        _accepts(lambda: ad.add_localization_noise(GOOD, sigma), "sigma")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=1, max_size=15),
             min_size=1, max_size=5),
    st.integers(1, 14),
)
def test_ragged_gappy_input_never_crashes(rows, lag):
    # Any ragged, gappy set: a result (NaN only where the input was missing, or with a
    # warning) or an error naming trajs/lag.
    arrays = [np.array(r) for r in rows]
    padded = np.full((len(rows), max(map(len, rows))), np.nan)
    for i, r in enumerate(rows):
        padded[i, : len(r)] = r
    for call, name, missing in [
        (lambda: ad.tamsd(arrays, lag), ("lag", "trajs"), None),
        (lambda: ad.eamsd(arrays), ("trajs",), None),
        (lambda: ad.normalize(arrays), ("trajs",), np.isnan(padded)),
        (lambda: ad.add_localization_noise(arrays, 0.5, rng=0), ("trajs",), np.isnan(padded)),
        (lambda: ad.eb(arrays, lag), ("lag", "trajs"), None),
    ]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = call()
            except (ValueError, TypeError) as err:
                assert any(n in str(err) for n in name), str(err)
                continue
        values = out if isinstance(out, tuple) else (out,)
        if missing is not None:
            values = tuple(np.where(missing, 0.0, v) for v in values)
        if any(np.isnan(np.asarray(v, dtype=float)).any() for v in values):
            assert any(issubclass(w.category, RuntimeWarning) for w in caught), "NaN without a warning"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([["2"], {}, [True], "fbm", [None], [[0, 1]], [0.5], [7], [], [-1], [np.nan]]))
def test_bad_model_labels(labels):
    with pytest.raises((ValueError, TypeError), match="model_labels"):
        ad.ergodic_labels(labels)


@settings(max_examples=40, deadline=None)
@given(st.floats(-1e300, 1e300, allow_nan=False).filter(lambda v: v != 0),
       st.floats(0, 1e200, allow_nan=False))
def test_fit_alpha_and_eb_take_any_scale(scale, sigma):
    x = GOOD * scale
    _accepts(lambda: ad.fit_alpha(x, [1, 2, 3], sigma=sigma), "sigma")
    _accepts(lambda: ad.eb(x, 1), "trajs")
    _accepts(lambda: ad.tamsd(x, [1, 2]), "trajs")
