"""Property tests: any admitted (model, alpha, T, N) gives finite (N, T) paths from 0."""

import numpy as np
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
    z = ad.normalize(noisy)
    assert z.shape == x.shape and np.all(np.isfinite(z)) and np.all(z[:, 0] == 0)
