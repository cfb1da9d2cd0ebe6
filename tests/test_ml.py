"""Tests of anomdiff.ml: networks, data helpers, training, evaluation, pretrained models."""

import importlib
import os
import socket
import subprocess
import sys
import warnings

import numpy as np
import pytest

import anomdiff as ad

# The optional extra: anomdiff.ml sets KERAS_BACKEND (jax if unset), then imports Keras.
ml = importlib.import_module("anomdiff.ml")
import keras  # noqa: E402


@pytest.fixture(scope="module")
def fbm_data():
    return ad.create_dataset(50, 30, [0.3, 0.8, 1.3, 1.8], "fbm", rng=3)


# ------------------------------------------------------------------ import and backend


def test_import_anomdiff_does_not_import_keras():
    code = "import sys, anomdiff; assert 'keras' not in sys.modules; print('ok')"
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         cwd=os.path.dirname(os.path.dirname(ad.__file__)))
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout


def test_backend_defaults_to_jax_and_respects_user_choice():
    code = ("import os, anomdiff as ad; ad.ml; import keras; "
            "print(os.environ['KERAS_BACKEND'], keras.backend.backend())")
    root = os.path.dirname(os.path.dirname(ad.__file__))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["jax", "jax"]
    # A user's choice is kept; Keras' numpy backend (inference only) needs no extra install,
    # and the pretrained models give the same answers there (keras.ops only).
    env["KERAS_BACKEND"] = "numpy"
    code = ("import os, anomdiff as ad, keras; x = ad.simulate('fbm', 200, 0.5, 20, rng=0); "
            "print(os.environ['KERAS_BACKEND'], keras.backend.backend(), ad.ml.predict_alpha(x).mean())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root)
    assert out.returncode == 0, out.stderr
    backend, used, mean = out.stdout.split()
    assert backend == used == "numpy"
    assert float(mean) == pytest.approx(ml.predict_alpha(ad.simulate("fbm", 200, 0.5, 20, rng=0)).mean(), abs=1e-4)


# ------------------------------------------------------------------ networks


def test_tutorial_network_architecture():
    net = ml.tutorial_network(200)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Conv1D", "Conv1D", "Conv1D", "Flatten", "Dense", "BatchNormalization", "Dense"]
    convs = net.layers[:3]
    assert [c.filters for c in convs] == [3, 8, 3]
    assert [c.kernel_size[0] for c in convs] == [3, 5, 2]
    for layer in convs:
        assert layer.activation.__name__ == "relu"
        assert type(layer.kernel_initializer).__name__ == "RandomUniform"
        assert float(layer.kernel_regularizer.l2) == pytest.approx(1e-3)
    assert net.layers[4].units == 128 and net.layers[4].activation.__name__ == "sigmoid"
    assert float(net.layers[4].kernel_regularizer.l2) == pytest.approx(1e-3)
    assert net.layers[6].units == 1 and net.layers[6].activation.__name__ == "linear"
    assert net.loss == "mae" and type(net.optimizer).__name__ == "Adam"
    assert net.input_shape == (None, 200, 1) and net.output_shape == (None, 1)


def test_better_networks_accept_any_length():
    reg, clf = ml.build_regressor(), ml.build_classifier()
    assert reg.loss == "mae" and clf.loss == "binary_crossentropy"
    for T in (20, 57, 300):
        x = ml.network_input(ad.simulate("fbm", T, 0.7, 3, rng=0))
        assert reg.predict_on_batch(x).shape == (3, 1)
        p = clf.predict_on_batch(x)
        assert p.shape == (3, 1) and np.all((p >= 0) & (p <= 1))


def test_regressor_is_blind_to_the_scale_of_positions():
    x = ad.simulate("fbm", 100, 0.7, 2, rng=0)[..., None].astype("float32")
    reg = ml.build_regressor()
    np.testing.assert_allclose(np.asarray(reg(x)), np.asarray(reg(250 * x)), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("builder", ["regressor", "classifier", "tutorial"])
def test_save_load_round_trip_in_safe_mode(tmp_path, builder):
    net = {"regressor": ml.build_regressor, "classifier": ml.build_classifier,
           "tutorial": lambda: ml.tutorial_network(60)}[builder]()
    x = ml.network_input(ad.simulate("fbm", 60, 1.2, 4, rng=1))
    path = tmp_path / "net.keras"
    net.save(path)
    back = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(np.asarray(back(x)), np.asarray(net(x)), rtol=1e-5, atol=1e-6)


def test_tiny_training_run_lowers_the_loss(fbm_data):
    x_tr, y_tr, x_va, y_va = ml.prepare_data(fbm_data, rng=0)
    net = ml.build_regressor()
    hist = ml.train(net, x_tr, y_tr, x_va, y_va, epochs=4, batch_size=16, verbose=False, rng=0)
    assert {"loss", "val_loss"} <= set(hist) and len(hist["loss"]) == 4
    assert hist["loss"][-1] < hist["loss"][0]


def test_train_prints_one_compact_line_per_epoch(fbm_data, capsys):
    x_tr, y_tr, x_va, y_va = ml.prepare_data(fbm_data, rng=0)
    ml.train(ml.tutorial_network(50), x_tr, y_tr, x_va, y_va, epochs=2, verbose=True, rng=0)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2") and "val_loss=" in lines[1]


def test_train_is_reproducible_with_a_seed(fbm_data):
    x_tr, y_tr, x_va, y_va = ml.prepare_data(fbm_data, rng=0)
    runs = []
    for _ in range(2):
        ml.set_seed(5)
        net = ml.tutorial_network(50)
        runs.append(ml.train(net, x_tr, y_tr, x_va, y_va, epochs=1, verbose=False, rng=5)["loss"])
    assert runs[0] == pytest.approx(runs[1], rel=1e-5)


# ------------------------------------------------------------------ labels and split


def test_ergodic_labels_is_the_library_function():
    assert ml.ergodic_labels is ad.ergodic_labels
    assert ml.ergodic_labels([0, 1, 2, 3, 4]).tolist() == [0, 0, 1, 1, 0]


def test_prepare_data_shapes_and_split_sizes(fbm_data):
    x_tr, y_tr, x_va, y_va = ml.prepare_data(fbm_data, validation=0.2, rng=1)
    n = len(fbm_data)
    assert x_tr.shape == (n - 24, 50, 1) and x_va.shape == (24, 50, 1)
    assert y_tr.shape == (n - 24,) and y_va.shape == (24,)
    assert x_tr.dtype == np.float32
    # normalized: increments of unit std, starting at 0
    assert np.allclose(x_tr[:, 0, 0], 0)
    assert np.allclose(np.diff(x_tr[..., 0], axis=1).std(axis=1), 1, atol=1e-5)
    x0, _, _, _ = ml.prepare_data(fbm_data, validation=0, rng=1)
    assert x0.shape[0] == n


def test_prepare_data_same_seed_same_split(fbm_data):
    a = ml.prepare_data(fbm_data, rng=7)
    b = ml.prepare_data(fbm_data, rng=7)
    c = ml.prepare_data(fbm_data, rng=8)
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[1], c[1])


def test_regression_validation_rows_keep_their_own_targets():
    """Tutorial bug 1: the validation set was reshaped with the training count.

    Every validation input must be its own trajectory, paired with its own exponent.
    """
    alphas = np.round(np.linspace(0.1, 1.9, 37), 3)  # one distinct exponent per row
    data = ad.create_dataset(40, 1, alphas, "fbm", rng=2)
    x_tr, y_tr, x_va, y_va = ml.prepare_data(data, validation=0.25, rng=0)
    assert len(x_va) == len(y_va) == round(0.25 * len(data))
    assert len(x_tr) == len(y_tr) == len(data) - len(x_va)
    lookup = {round(float(a), 3): ad.normalize(row[2:]) for a, row in zip(data[:, 1], data)}
    for x, y in zip(np.concatenate([x_tr, x_va]), np.concatenate([y_tr, y_va])):
        np.testing.assert_allclose(x[:, 0], lookup[round(float(y), 3)], rtol=1e-5, atol=1e-5)
    assert sorted(np.round(np.concatenate([y_tr, y_va]).astype(float), 3).tolist()) == sorted(alphas.tolist())


def test_ergodicity_targets_are_not_all_zero():
    """Tutorial bug 2: every ergodicity label was set to 0."""
    data = ad.create_dataset(30, 5, [0.5, 1.0], ["attm", "ctrw", "fbm", "lw", "sbm"], rng=4,
                             skip_invalid=True)
    x_tr, y_tr, x_va, y_va = ml.prepare_data(data, "ergodic", rng=0)
    y = np.concatenate([y_tr, y_va])
    assert set(y.tolist()) == {0, 1}
    # fbm x2 exponents + lw x1 + attm, ctrw, sbm at alpha = 1 (Brownian there)
    assert y.sum() == 15 + 3 * 5
    assert y_tr.dtype.kind == "i"


def test_ergodicity_dataset_is_the_datasets_function_on_the_tutorial_grid():
    from anomdiff.datasets import ergodicity_dataset

    assert ml.ergodicity_dataset is ergodicity_dataset  # home: datasets; ad.ml keeps the name
    d = ml.ergodicity_dataset(30, 3, rng=0)
    erg = ml.prepare_data(d, "ergodic", validation=0, rng=0)[1]
    assert 2 * erg.sum() == len(d)
    pairs = {(ad.MODELS[int(m)], round(a, 1)) for m, a in d[:, :2]}
    assert ("ctrw", 0.1) in pairs and ("lw", 2.0) in pairs and ("fbm", 2.0) not in pairs
    assert all(a <= 1 for m, a in pairs if m in ("attm", "ctrw"))


# ------------------------------------------------------------------ evaluation


def test_evaluate_regression_table_and_crlb():
    t = np.array([0.3, 0.35, 1.0, 1.1, 1.7])
    p = t + np.array([0.1, -0.1, 0.05, -0.05, 0.2])
    r = ml.evaluate_regression(t, p, T=200, bins=[0.2, 0.6, 1.4, 1.8])
    assert r["mae"] == pytest.approx(0.1)
    assert r["bins"]["count"].tolist() == [2, 2, 1]
    np.testing.assert_allclose(r["bins"]["mae"], [0.1, 0.05, 0.2])
    np.testing.assert_allclose(r["bins"]["center"], [0.4, 1.0, 1.6])
    expect = np.sqrt(2 / np.pi) * ad.theory.fbm_crlb(1.0, 200)
    # interpolated on a grid of exponents (see the test below), within 0.5 %
    assert r["bins"]["crlb_mae"][1] == pytest.approx(
        np.mean(np.sqrt(2 / np.pi) * ad.theory.fbm_crlb([1.0, 1.1], 200)), rel=5e-3)
    assert 0.05 < expect < 0.09
    assert "crlb_mae" not in ml.evaluate_regression(t, p)["bins"]


def test_evaluate_classifier_confusion_and_groups():
    y = [1, 1, 0, 0, 0, 1]
    prob = [0.9, 0.3, 0.1, 0.6, 0.2, 0.8]
    r = ml.evaluate_classifier(y, prob, model_labels=[2, 2, 1, 4, 4, 3], alphas=[0.5, 0.5, 0.5, 1.0, 1.0, 1.5])
    assert r["accuracy"] == pytest.approx(4 / 6)
    assert r["confusion"].tolist() == [[2, 1], [1, 2]]
    assert r["per_model"] == {"ctrw": 1.0, "fbm": 0.5, "lw": 1.0, "sbm": 0.5}
    assert r["per_group"][("sbm", 1.0)] == 0.5


# ------------------------------------------------------------------ pretrained models


def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("name", sorted(ml.PRETRAINED))
def test_pretrained_files_are_small_and_load_offline(monkeypatch, name):
    path = ml._DATA / ml.PRETRAINED[name]
    assert path.stat().st_size < 2e6
    _no_network(monkeypatch)
    ml._load_cached.cache_clear()
    net = ml.load_pretrained(name)
    assert net.input_shape == ((None, None, 5) if name == "andi_1d" else (None, None, 1))


def test_pretrained_regressor_mae_on_seeded_fbm():
    rng = np.random.default_rng(11)
    alphas = rng.uniform(0.2, 1.8, 60)
    x = np.concatenate([ad.simulate("fbm", 200, a, 10, rng=rng) for a in alphas])
    pred = ml.predict_alpha(x * 3.7, model="fbm")
    mae = np.mean(np.abs(pred - np.repeat(alphas, 10)))
    assert mae <= 0.09


def test_pretrained_classifier_accuracy_on_seeded_grid():
    d = ml.ergodicity_dataset(200, 4, rng=12)
    d = d[np.any(d[:, 3:] != d[:, 2:3], axis=1)]  # immobile tracks get no prediction
    acc = np.mean(ml.predict_ergodic(d[:, 2:]) == ad.ergodic_labels(d[:, 0], d[:, 1]))
    assert acc >= 0.85


def test_predict_shapes_types_and_ranges():
    x = ad.simulate("fbm", 120, 0.6, 5, rng=0)
    a = ml.predict_alpha(x)
    assert a.shape == (5,) and a.dtype == np.float64
    assert isinstance(ml.predict_alpha(x[0]), float)
    assert ml.predict_alpha(x[0]) == pytest.approx(a[0], abs=1e-5)
    assert ml.predict_alpha(x.tolist()).shape == (5,)
    e = ml.predict_ergodic(x)
    assert e.shape == (5,) and e.dtype == np.int64 and set(e.tolist()) <= {0, 1}
    p = ml.predict_ergodic(x, return_probability=True)
    assert p.dtype == np.float64 and np.all((p >= 0) & (p <= 1))
    assert np.array_equal(e, (p >= 0.5).astype(int))
    assert isinstance(ml.predict_ergodic(x[0]), int)
    assert isinstance(ml.predict_ergodic(x[0], return_probability=True), float)
    assert ml.predict_alpha(ad.simulate("fbm", 20, 1.0, 2, rng=0)).shape == (2,)


def test_load_pretrained_rejects_unknown_names():
    with pytest.raises(ValueError, match="alpha_fbm"):
        ml.load_pretrained("alpha")
    with pytest.raises(TypeError, match="name"):
        ml.load_pretrained(3)


# ------------------------------------------------------------------ bad inputs

GOOD = np.zeros((2, 50))
BAD_TRAJS = [
    (np.full((2, 50), np.nan), ValueError, "NaN"),
    (np.where(np.arange(50) == 7, np.inf, 0.0)[None, :], ValueError, "infinite"),
    (np.zeros((2, 19)), ValueError, "at least 20"),
    (np.zeros(10), ValueError, "at least 20"),
    (np.zeros((2, 50, 1)), ValueError, "shape"),
    (np.zeros((0, 50)), ValueError, "no trajectories"),
    (np.zeros((2, 0)), ValueError, "at least 20"),
    (np.array(3.0), ValueError, "shape"),
    ("abc", TypeError, "trajs"),
    (None, TypeError, "trajs"),
    ([[0, 1], [2]], (TypeError, ValueError), "trajs"),
]


def _predict_alpha_fbm(trajs):
    return ml.predict_alpha(trajs, model="fbm")


@pytest.mark.parametrize("bad, err, msg", BAD_TRAJS)
@pytest.mark.parametrize("func", [_predict_alpha_fbm, ml.predict_ergodic])
def test_predict_rejects_bad_trajectories(func, bad, err, msg):
    with pytest.raises(err, match=msg):
        func(bad)


@pytest.mark.parametrize("bad, msg", [
    (np.zeros((3, 2 + 10)), "at least 20"),
    (np.zeros((0, 52)), "no rows"),
    (np.zeros(52), "2-D"),
    (np.full((3, 52), np.nan), "NaN"),
])
def test_prepare_data_rejects_bad_datasets(bad, msg):
    with pytest.raises(ValueError, match=msg):
        ml.prepare_data(bad)


def test_prepare_data_rejects_bad_options(fbm_data):
    with pytest.raises(ValueError, match="target"):
        ml.prepare_data(fbm_data, target="model")
    for bad in (1.0, -0.1, 2, "0.2"):
        with pytest.raises(ValueError, match="validation"):
            ml.prepare_data(fbm_data, validation=bad)
    with pytest.raises(TypeError, match="rng"):
        ml.prepare_data(fbm_data, rng="seed")
    with pytest.raises(TypeError, match="dataset"):
        ml.prepare_data([["a", "b"]])


def test_networks_and_train_reject_bad_arguments(fbm_data):
    with pytest.raises(ValueError, match="T"):
        ml.tutorial_network(10)
    with pytest.raises(TypeError, match="T"):
        ml.tutorial_network(20.5)
    x_tr, y_tr, x_va, y_va = ml.prepare_data(fbm_data, rng=0)
    net = ml.tutorial_network(50)
    with pytest.raises(TypeError, match="model"):
        ml.train("net", x_tr, y_tr, x_va, y_va, epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        ml.train(net, x_tr, y_tr, x_va, y_va, epochs=0)
    with pytest.raises(ValueError, match="y_train"):
        ml.train(net, x_tr, y_tr[:-1], x_va, y_va, epochs=1)
    with pytest.raises(ValueError, match="NaN"):
        ml.train(net, x_tr * np.nan, y_tr, x_va, y_va, epochs=1)
    with pytest.raises(ValueError, match="x_val"):
        ml.train(net, x_tr, y_tr, x_va[:, :30], y_va, epochs=1)
    with pytest.raises(ValueError, match="x_train"):
        ml.train(net, x_tr[:0], y_tr[:0], x_va, y_va, epochs=1)


def test_evaluate_rejects_bad_inputs():
    with pytest.raises(ValueError, match="alpha_pred"):
        ml.evaluate_regression([0.5, 1.0], [0.5])
    with pytest.raises(ValueError, match="alpha_true"):
        ml.evaluate_regression([np.nan], [0.5])
    with pytest.raises(ValueError, match="alpha_true"):
        ml.evaluate_regression([], [])
    with pytest.raises(ValueError, match="bins"):
        ml.evaluate_regression([1.0], [1.0], bins=[1.0, 0.5])
    with pytest.raises(ValueError, match="y_true"):
        ml.evaluate_classifier([2, 0], [0.5, 0.5])
    with pytest.raises(ValueError, match="prob"):
        ml.evaluate_classifier([1, 0], [1.5, 0.5])
    with pytest.raises(ValueError, match="prob"):
        ml.evaluate_classifier([1, 0], [0.5])
    with pytest.raises(ValueError, match="threshold"):
        ml.evaluate_classifier([1, 0], [0.5, 0.5], threshold=1.0)
    with pytest.raises(ValueError, match="model_labels"):
        ml.evaluate_classifier([1, 0], [0.5, 0.5], model_labels=[7, 0])


def test_pretrained_noisy_regressor_handles_localization_noise():
    rng = np.random.default_rng(13)
    alphas = rng.uniform(0.3, 1.7, 40)
    x = np.concatenate([ad.simulate("fbm", 200, a, 10, rng=rng) for a in alphas])
    y = np.repeat(alphas, 10)
    noisy = ad.add_localization_noise(x, 0.5, rng=rng)
    net = ml.load_pretrained("alpha_fbm_noisy")
    pred = ml._predict(net, ml.network_input(noisy))
    mae_noisy_net = np.mean(np.abs(pred - y))
    mae_clean_net = np.mean(np.abs(ml.predict_alpha(noisy, model="fbm") - y))
    assert mae_noisy_net <= 0.12 and mae_noisy_net < mae_clean_net


# ------------------------------------------------------------------ refactor contracts


@pytest.mark.parametrize("name", sorted(set(ml.PRETRAINED) - {"andi_1d"}))
def test_shipped_networks_reproduce_their_recorded_outputs(name):
    """The .keras files load with the module-level layers and give the outputs recorded in
    their JSON file (written by scripts/train_pretrained.py, or before the layers moved)."""
    import json

    meta = json.loads((ml._DATA / f"{name}.json").read_text())
    x = np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1)
    out = np.asarray(ml.load_pretrained(name).predict_on_batch(x.astype(np.float32)[..., None]))
    np.testing.assert_allclose(out[:, 0], meta["reference_output"], rtol=1e-4, atol=1e-5)


def test_custom_layers_are_registered_module_level_classes():
    for cls in (ml.Increments, ml.TimeChannel, ml.LogMeanSquare):
        assert keras.saving.get_registered_name(cls) == f"anomdiff>{cls.__name__}"
        assert keras.saving.get_registered_object(f"anomdiff>{cls.__name__}") is cls
    assert not any(hasattr(ml, n) for n in ("_keras", "_LAYERS", "_layer"))


def test_network_input_is_the_normalized_positions_with_a_channel():
    x = ad.simulate("sbm", 80, 1.3, 4, rng=3)
    z = ml.network_input(37.0 * x)
    assert z.shape == (4, 80, 1) and z.dtype == np.float32
    np.testing.assert_allclose(z[..., 0], ad.normalize(x), rtol=1e-5, atol=1e-5)
    assert ml.network_input(x[0]).shape == (1, 80, 1)
    with pytest.raises(ValueError, match="at least 20"):
        ml.network_input(x[:, :10])


def test_immobile_trajectories_give_nan_and_one_warning():
    x = ad.simulate("fbm", 200, 0.8, 3, rng=0)
    x[1] = 5.0
    with pytest.warns(RuntimeWarning, match="immobile") as rec:
        a = ml.predict_alpha(x)
    assert len(rec) == 1
    assert np.isnan(a[1]) and np.all(np.isfinite(a[[0, 2]]))
    with pytest.warns(RuntimeWarning, match="immobile"):
        assert np.isnan(ml.predict_alpha(np.zeros(200)))
    with pytest.warns(RuntimeWarning, match="immobile"):
        p = ml.predict_ergodic(x, return_probability=True)
    assert np.isnan(p[1]) and np.all((p[[0, 2]] >= 0) & (p[[0, 2]] <= 1))
    with pytest.warns(RuntimeWarning, match="immobile"):
        assert ml.predict_ergodic(x).tolist()[1] == -1
    with pytest.warns(RuntimeWarning, match="immobile"):
        assert np.all(np.isnan(ml.network_input(np.zeros((1, 30)))))


def test_predict_batches_are_bounded_in_points():
    """A very long trajectory is not padded to a batch of 8 (memory)."""
    seen = []

    class Recorder:
        def predict_on_batch(self, x):
            seen.append(x.shape)
            return np.zeros((x.shape[0], 1), np.float32)

    ml._predict(Recorder(), np.zeros((1, 10**6, 1), np.float32))
    ml._predict(Recorder(), np.zeros((3000, 300, 1), np.float32))
    ml._predict(Recorder(), np.zeros((5, 200, 1), np.float32))
    assert seen[0] == (1, 10**6, 1)
    assert all(s[0] * s[1] <= max(ml._MAX_BATCH_POINTS, s[1]) for s in seen)
    assert seen[-1] == (8, 200, 1)  # short inputs still padded to a fixed size (no retrace)
    out = ml._predict(Recorder(), np.zeros((1000, 300, 1), np.float32))
    assert out.shape == (1000,)


def test_evaluate_regression_crlb_interpolation_matches_exact_values():
    t = np.array([0.1, 0.37, 0.99, 1.55, 1.9])
    r = ml.evaluate_regression(t, t, T=100, bins=np.r_[0.0, t[:-1] + 0.01, 2.0])
    exact = np.sqrt(2 / np.pi) * ad.theory.fbm_crlb(t, 100)
    np.testing.assert_allclose(r["bins"]["crlb_mae"], exact, rtol=5e-3)


@pytest.mark.parametrize("name", [n for n in ml.__all__ if callable(getattr(ml, n))])
def test_public_docstrings_pass_numpydoc(name):
    validate = importlib.import_module("numpydoc.validate")
    res = validate.validate(f"anomdiff.ml.{name}")
    codes = {"GL08", "PR01", "PR02", "RT01", "EX01", "SA01"}
    errors = [e for e in res["errors"] if e[0] in codes]
    assert not errors, errors


# ------------------------------------------------------------------ any model, any length (issue 11)


def _mixed_tracks(seed=0):
    rng = np.random.default_rng(seed)
    return [ad.simulate(m, T, a, rng=rng)[0] for m, T, a in
            [("ctrw", 400, 0.4), ("lw", 60, 1.7), ("fbm", 10, 0.5), ("sbm", 150, 1.2), ("attm", 33, 0.8)]]


def test_predict_model_and_alpha_shapes_for_unequal_lengths():
    tracks = _mixed_tracks()
    p = ml.predict_model(tracks)
    assert p.shape == (5, len(ad.MODELS)) and p.dtype == np.float64
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    a, s = ml.predict_alpha(tracks, return_std=True)
    assert a.shape == s.shape == (5,) and np.all(s > 0) and np.all(np.isfinite(a))
    np.testing.assert_allclose(ml.predict_alpha(tracks), a)
    assert ml.predict_model(tracks[0]).shape == (5,)
    one = ml.predict_alpha(tracks[1], return_std=True)
    assert isinstance(one, tuple) and all(isinstance(v, float) for v in one)
    assert one[0] == pytest.approx(a[1], abs=1e-5)


def test_nan_padding_and_scale_do_not_change_the_outputs():
    tracks = _mixed_tracks(1)
    padded = np.full((5, 1000), np.nan)  # trailing NaN, wider than any track
    for i, t in enumerate(tracks):
        padded[i, :t.size] = t
    np.testing.assert_allclose(ml.predict_model(padded), ml.predict_model(tracks), atol=1e-5)
    np.testing.assert_allclose(ml.predict_alpha(padded), ml.predict_alpha(tracks), atol=1e-5)
    # Leading NaN (a track that starts late) is dropped, and the scale of positions is irrelevant.
    late = np.r_[np.full(7, np.nan), 250.0 * tracks[3] + 3.0]
    assert ml.predict_alpha(late) == pytest.approx(ml.predict_alpha(tracks[3]), abs=1e-4)


@pytest.mark.parametrize("bad, err, msg", [
    (np.full((2, 30), np.nan), ValueError, "all NaN"),
    ([np.zeros(30), np.full(30, np.nan)], ValueError, "trajectory 1 has no valid point"),
    (np.zeros((2, 9)), ValueError, "at least 10"),
    ([np.arange(30.0), np.arange(9.0)], ValueError, "ANDI_MIN_LENGTH = 10"),
    (np.r_[np.arange(5.0), np.nan, np.arange(20.0)], ValueError, "missing point"),
    (np.zeros((2, 30, 2)), ValueError, "one-dimensional"),
    (np.zeros((0, 30)), ValueError, "no trajectories"),
    ("abc", TypeError, "trajs"),
    (None, TypeError, "trajs"),
])
@pytest.mark.parametrize("func", [ml.predict_model, ml.predict_alpha])
def test_any_model_networks_reject_bad_input(func, bad, err, msg):
    with pytest.raises(err, match=msg):
        func(bad)


def test_predict_alpha_model_and_return_std_arguments():
    x = ad.simulate("fbm", 200, 0.7, 3, rng=4)
    assert ml.predict_alpha(x, model="fbm").shape == (3,)
    with pytest.raises(ValueError, match="return_std"):
        ml.predict_alpha(x, model="fbm", return_std=True)
    with pytest.raises(ValueError, match="model"):
        ml.predict_alpha(x, model="ctrw")
    with pytest.raises(TypeError, match="return_std"):
        ml.predict_alpha(x, return_std="yes")


def test_any_model_immobile_tracks_give_nan_and_one_warning():
    tracks = _mixed_tracks(2)
    tracks[1] = np.full(40, 2.5)
    with pytest.warns(RuntimeWarning, match="immobile") as rec:
        p = ml.predict_model(tracks)
    assert len(rec) == 1 and np.all(np.isnan(p[1])) and np.all(np.isfinite(p[[0, 2, 3, 4]]))
    with pytest.warns(RuntimeWarning, match="immobile") as rec:
        a, s = ml.predict_alpha(tracks, return_std=True)
    assert len(rec) == 1 and np.isnan(a[1]) and np.isnan(s[1])


def test_andi_network_pooling_ignores_padding():
    net = ml.load_pretrained("andi_1d")
    x, n = ml.andi_input([ad.simulate("fbm", 20, 0.5, rng=0)[0], ad.simulate("fbm", 12, 1.5, rng=1)[0]])
    assert x.shape == (2, 32, 5) and n.tolist() == [20, 12]
    wide = np.zeros((2, 64, 5), np.float32)
    wide[:, :32] = x
    # Eager calls (no compilation for two new shapes).
    np.testing.assert_allclose(np.asarray(net(x)), np.asarray(net(wide)), rtol=1e-5, atol=1e-5)


def test_andi_shipped_network_reproduces_recorded_outputs():
    import json

    meta = json.loads((ml._DATA / "andi_1d.json").read_text())
    x = np.cumsum(np.random.default_rng(123).standard_normal((6, 150)), axis=1)
    out = np.asarray(ml.load_pretrained("andi_1d").predict_on_batch(ml.andi_input(x)[0]))
    np.testing.assert_allclose(out, meta["reference_output"], rtol=1e-4, atol=1e-4)
    cal = meta["std_calibration"]
    assert len(cal["scales"]) == len(cal["confidence_edges"]) + 1 and min(cal["scales"]) > 0


def test_shipped_andi_network_is_the_mean_of_its_members():
    """Probabilities are the members' mean, the exponent their mean, the variance their mean
    variance plus the variance of their exponents."""
    net = ml.load_pretrained("andi_1d")
    members = [layer for layer in net.layers if layer.name.startswith("member")]
    assert len(members) == 2
    x, _ = ml.andi_input(_mixed_tracks(3))
    out = np.asarray(net.predict_on_batch(x)).astype(float)
    parts = np.stack([np.asarray(m.predict_on_batch(x)).astype(float) for m in members])
    k = len(ad.MODELS)
    prob = np.exp(parts[:, :, :k] - parts[:, :, :k].max(axis=2, keepdims=True))
    prob /= prob.sum(axis=2, keepdims=True)
    np.testing.assert_allclose(ml._andi_probabilities(out), prob.mean(axis=0), atol=1e-5)
    np.testing.assert_allclose(out[:, k], parts[:, :, k].mean(axis=0), atol=1e-5)
    var = np.exp(parts[:, :, k + 1]).mean(axis=0) + parts[:, :, k].var(axis=0)
    np.testing.assert_allclose(np.exp(out[:, k + 1]), var, rtol=1e-4)
    # two independently trained members do not agree exactly
    assert np.abs(parts[0, :, k] - parts[1, :, k]).max() > 1e-3


def test_andi_ensemble_needs_two_members():
    with pytest.raises(ValueError, match="members"):
        ml.build_andi_ensemble([ml.build_andi_network()])


def test_andi_std_is_the_variance_output_times_the_factor_of_the_confidence_bin():
    tracks = [x for seed in range(4) for x in _mixed_tracks(seed)]
    out, _ = ml._andi_outputs(tracks, "exponent")
    _, std = ml.predict_alpha(tracks, return_std=True)
    cal = ml._andi_meta()["std_calibration"]
    confidence = ml.predict_model(tracks).max(axis=1)
    factor = np.asarray(cal["scales"])[np.searchsorted(cal["confidence_edges"], confidence)]
    np.testing.assert_allclose(std, np.exp(0.5 * out[:, len(ad.MODELS) + 1]) * factor, rtol=1e-6)
    # the tracks span more than one bin, so the factor is not a constant in disguise
    assert np.unique(factor).size > 1


def test_andi_intervals_are_calibrated_on_a_held_out_set():
    """95 % intervals on fresh AnDi-like tracks (all models; noise of 0.1, 0.5 or 1 step std
    of a 1000-point trajectory, which is then cut to 10..1000 points): the coverage must be
    0.95 within 3 binomial standard errors (n = 400: +- 0.033)."""
    rng = np.random.default_rng(2024)
    n_tr = 400
    labels = np.arange(n_tr) % 5
    ranges = {"attm": (0.05, 1), "ctrw": (0.05, 1), "fbm": (0.05, 1.95), "lw": (1, 2), "sbm": (0.05, 2)}
    tracks, alphas = [], []
    for k in labels:
        m = ad.MODELS[k]
        a = rng.uniform(*ranges[m])
        x = ad.simulate(m, 1000, a, rng=rng)[0]
        x = x + rng.choice([0.1, 0.5, 1.0]) * np.std(np.diff(x)) * rng.standard_normal(1000)
        tracks.append(x[: rng.integers(10, 1001)])
        alphas.append(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # immobile CTRW tracks -> NaN
        a_hat, s = ml.predict_alpha(tracks, return_std=True)
    ok = np.isfinite(a_hat)
    inside = np.abs(a_hat - np.array(alphas))[ok] <= 1.959964 * s[ok]
    se = np.sqrt(0.95 * 0.05 / ok.sum())
    assert abs(inside.mean() - 0.95) <= 3 * se
