"""create_dataset layout and inputs, normalize, localization noise, ergodic labels."""

import numpy as np
import pytest

import anomdiff as ad


def test_layout_and_label_order():
    data = ad.create_dataset(100, 3, [0.5, 0.8], ["ctrw", "fbm", "attm"], rng=1)
    assert data.shape == (3 * 2 * 3, 102)
    labels = data[:, 0].reshape(3, 6)[:, 0]
    assert labels.tolist() == [1.0, 2.0, 0.0]  # MODELS.index: attm 0, ctrw 1, fbm 2, lw 3, sbm 4
    assert data[:6, 1].tolist() == [0.5, 0.5, 0.5, 0.8, 0.8, 0.8]
    assert np.all(data[:, 2] == 0)


def test_rows_are_the_simulators_output():
    data = ad.create_dataset(50, 4, 0.7, "sbm", rng=3)
    np.testing.assert_array_equal(data[:, 2:], ad.simulate("sbm", 50, 0.7, 4, rng=3))


@pytest.mark.parametrize(
    "models, expected",
    [
        (2, [2]),
        ("lw", [3]),
        (["fbm", "sbm"], [2, 4]),
        (("fbm", 4), [2, 4]),
        (np.array([4, 2]), [4, 2]),
        (np.array(["sbm"]), [4]),
    ],
)
def test_models_input_forms(models, expected):
    data = ad.create_dataset(20, 1, 1.0 if expected != [3] else 1.5, models, rng=0)
    assert data[:, 0].tolist() == expected


@pytest.mark.parametrize("exponents", [0.5, [0.5, 0.9], (0.5, 0.9), np.array([0.5, 0.9]), np.float32(0.5)])
def test_exponent_input_forms(exponents):
    data = ad.create_dataset(20, 2, exponents, "fbm", rng=0)
    np.testing.assert_allclose(np.unique(data[:, 1]), np.unique(np.atleast_1d(exponents).astype(float)))


def test_invalid_pairs_listed_or_skipped():
    with pytest.raises(ValueError) as info:
        ad.create_dataset(20, 1, [0.5, 1.5], ["ctrw", "lw", "fbm"])
    msg = str(info.value)
    assert "ctrw alpha=1.5" in msg and "lw alpha=0.5" in msg and "skip_invalid" in msg
    assert "fbm" not in msg
    data = ad.create_dataset(20, 2, [0.5, 1.5], ["ctrw", "lw", "fbm"], rng=0, skip_invalid=True)
    pairs = sorted({(int(r[0]), float(r[1])) for r in data})
    assert pairs == [(1, 0.5), (2, 0.5), (2, 1.5), (3, 1.5)]


def test_tutorial_sub_and_superdiffusive_mix_in_one_call():
    exps = np.round(np.arange(0.1, 2.01, 0.1), 2)
    data = ad.create_dataset(30, 1, exps, ad.MODELS, rng=0, skip_invalid=True)
    for label, name in enumerate(ad.MODELS):
        got = data[data[:, 0] == label, 1]
        assert all(ad.models.admits(name, a) for a in got) and len(got) > 0


@pytest.mark.parametrize(
    "kwargs, error, word",
    [
        (dict(T=1.5, N_models=1, exponents=0.5, models="fbm"), TypeError, "T"),
        (dict(T=20, N_models=0, exponents=0.5, models="fbm"), ValueError, "N_models"),
        (dict(T=20, N_models=1, exponents=[], models="fbm"), ValueError, "exponents"),
        (dict(T=20, N_models=1, exponents=[0.5, np.nan], models="fbm"), ValueError, "finite"),
        (dict(T=20, N_models=1, exponents="abc", models="fbm"), TypeError, "exponents"),
        (dict(T=20, N_models=1, exponents=0.5, models="levy"), ValueError, "unknown model"),
        (dict(T=20, N_models=1, exponents=0.5, models=[]), ValueError, "models"),
        (dict(T=20, N_models=1, exponents=2.5, models="fbm", skip_invalid=True), ValueError, "no (model"),
    ],
)
def test_dataset_bad_input(kwargs, error, word):
    with pytest.raises(error) as info:
        ad.create_dataset(**kwargs)
    assert word in str(info.value)


def test_normalize_unit_increments_and_scale_free():
    x = ad.simulate("fbm", 200, 0.7, 10, rng=4)
    z = ad.normalize(x)
    np.testing.assert_allclose(np.diff(z, axis=1).std(axis=1), 1.0, rtol=1e-12)
    assert np.all(z[:, 0] == 0)
    np.testing.assert_allclose(ad.normalize(37.0 * x + 5.0), z, rtol=1e-9, atol=1e-9)
    assert ad.normalize(x[0]).shape == (200,)


def test_normalize_immobile_trajectory_is_nan_with_one_warning():
    x = ad.simulate("fbm", 50, 1.0, 3, rng=0)
    x[1] = 0.0
    with pytest.warns(RuntimeWarning, match="1 of 3 trajectories are immobile") as caught:
        z = ad.normalize(x)
    assert len(caught) == 1
    assert np.all(np.isnan(z[1])) and np.all(np.isfinite(z[[0, 2]]))


def test_normalize_constant_velocity_uses_rms():
    # Zero variance but moving (a ballistic Levy flight): unit-speed increments are kept.
    z = ad.normalize(np.arange(6.0) * 3.0)
    np.testing.assert_allclose(z, np.arange(6.0))


def test_localization_noise_statistics():
    x = np.zeros((400, 500))
    noisy = ad.add_localization_noise(x, 0.5, rng=1)
    n = noisy.size
    # Sample variance of n Gaussians: relative standard error sqrt(2 / n).
    assert abs(noisy.var() / 0.25 - 1) < 5 * np.sqrt(2 / n)
    # Noise raises the TA-MSD by 2 sigma^2 at every lag.
    assert abs(ad.teamsd(noisy, [1, 5, 50]).mean() - 0.5) < 0.01
    np.testing.assert_array_equal(ad.add_localization_noise(x, 0.0, rng=1), x)
    np.testing.assert_array_equal(noisy, ad.add_localization_noise(x, 0.5, rng=1))


@pytest.mark.parametrize(
    "trajs, sigma, error, word",
    [
        (np.zeros((2, 5)), -0.1, ValueError, "sigma"),
        (np.zeros((2, 5)), np.nan, ValueError, "sigma"),
        (np.zeros((2, 5)), "0.1", TypeError, "sigma"),
        (np.zeros((2, 5, 2, 1)), 0.1, ValueError, "shape"),
        (np.full((2, 5), np.nan), 0.1, ValueError, "NaN"),
        (np.zeros((0, 5)), 0.1, ValueError, "no trajectories"),
    ],
)
def test_noise_bad_input(trajs, sigma, error, word):
    with pytest.raises(error) as info:
        ad.add_localization_noise(trajs, sigma)
    assert word in str(info.value)


def test_normalize_bad_input():
    with pytest.raises(ValueError, match="shape"):
        ad.normalize(np.zeros((2, 3, 4, 1)))
    with pytest.raises(ValueError, match="at least 2"):
        ad.normalize(np.zeros((2, 1)))
    with pytest.raises(TypeError):
        ad.normalize([["a", "b"]])


def test_ergodic_labels():
    assert ad.ergodic_labels([0, 1, 2, 3, 4]).tolist() == [0, 0, 1, 1, 0]
    data = ad.create_dataset(20, 2, [0.5], ["attm", "fbm"], rng=0)
    assert ad.ergodic_labels(data[:, 0]).tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError):
        ad.ergodic_labels([5])
    with pytest.raises(ValueError):
        ad.ergodic_labels([])


def test_ergodic_labels_alpha_one_rule_and_names():
    labels = [0, 1, 2, 3, 4, 0, 1, 4]
    alphas = [1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 1.5]
    assert ad.ergodic_labels(labels, alphas).tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    names = [ad.MODELS[i] for i in labels]
    assert ad.ergodic_labels(names, alphas).tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    assert ad.ergodic_labels(["FBM", 1, np.int64(4)]).tolist() == [1, 0, 0]
    assert ad.ergodic_labels(np.array(["lw", "attm"])).tolist() == [1, 0]


@pytest.mark.parametrize(
    "labels, alphas, error, word",
    [
        (["2"], None, ValueError, "model_labels"),
        ({}, None, TypeError, "model_labels"),
        ([True, False], None, TypeError, "model_labels"),
        (np.array([True]), None, TypeError, "model_labels"),
        ("fbm", None, TypeError, "model_labels"),
        ([None], None, TypeError, "model_labels"),
        ([[0, 1]], None, ValueError, "model_labels"),
        ([0.5], None, ValueError, "model_labels"),
        ([0, 1], [1.0], ValueError, "alphas"),
        ([0, 1], ["a", "b"], TypeError, "alphas"),
        ([0, 1], [np.nan, 1.0], ValueError, "alphas"),
    ],
)
def test_ergodic_labels_bad_input(labels, alphas, error, word):
    with pytest.raises(error, match=word):
        ad.ergodic_labels(labels, alphas)


def test_ergodicity_dataset_balanced_with_alpha_one_ergodic():
    from anomdiff.datasets import ergodicity_dataset

    d = ergodicity_dataset(30, 3, rng=0)
    y = ad.ergodic_labels(d[:, 0], d[:, 1])
    assert 2 * y.sum() == len(d) and d.shape[1] == 32
    assert np.all(y[d[:, 1] == 1.0] == 1)  # every model at alpha = 1 is ergodic
    assert np.all(np.lexsort((d[:, 1], d[:, 0])) == np.arange(len(d)))
    np.testing.assert_array_equal(d, ergodicity_dataset(30, 3, rng=0))
    with pytest.raises(ValueError, match="T"):
        ergodicity_dataset(10, 3)


def test_noise_and_normalize_in_d_dims_with_gaps():
    x = ad.simulate("fbm", 60, 0.8, 4, dim=3, rng=2)
    x[1, 30:] = np.nan
    x[2, 5] = np.nan
    noisy = ad.add_localization_noise(x, 0.2, rng=3)
    assert noisy.shape == x.shape and np.array_equal(np.isnan(noisy), np.isnan(x))
    z = ad.normalize(noisy)
    assert np.array_equal(np.isnan(z), np.isnan(x)) and np.all(z[:, 0] == 0)
    np.testing.assert_allclose(ad.normalize(5.0 * noisy - 3.0), z, rtol=1e-9, atol=1e-9)
    # Gapless rows: pooled unit variance of the increments over the 3 components.
    dz = np.diff(z[[0, 3]], axis=1)
    np.testing.assert_allclose(dz.var(axis=1).mean(axis=1), 1.0, rtol=1e-12)
    # Scale-free even at extreme scales.
    np.testing.assert_allclose(ad.normalize(noisy * 1e-160), z, rtol=1e-9, atol=1e-9)
