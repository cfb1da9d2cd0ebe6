"""Keras CNNs that estimate the anomalous exponent and tell ergodic from non-ergodic motion.

This is the only module of :mod:`anomdiff` that imports Keras (install it with
``pip install "anomdiff[ml]"``). If the environment variable ``KERAS_BACKEND`` is unset, the
JAX backend is chosen before Keras is imported; a value set by the user is respected (the
code uses ``keras.ops`` only, so TensorFlow, PyTorch and, for inference, numpy work too).

Two families of networks are provided:

* :func:`tutorial_network`, the CNN of the AnDi tutorial for one fixed length T;
* :func:`build_regressor` / :func:`build_classifier`, a dilated residual CNN on normalized
  increments with global pooling and log-power features, for any length T >= 20;
* :func:`build_andi_network`, the same idea with causal convolutions and pooling masked to the
  valid steps, for trajectories of unequal lengths (>= 10 points) of any of the five models,
  and :func:`build_andi_ensemble`, the mean of several such networks (the shipped one is an
  ensemble of two): :func:`predict_model` (which model?) and
  ``predict_alpha(model=None, return_std=True)`` (the exponent with a calibrated
  uncertainty), benchmarked on the AnDi-1 protocol in ``benchmarks/andi_protocol.py``.

:func:`network_input` turns trajectories into what every network here reads. Pretrained
networks ship with the package (:func:`load_pretrained`), so :func:`predict_alpha` and
:func:`predict_ergodic` work offline at once:

>>> import anomdiff as ad
>>> x = ad.simulate("fbm", T=200, alpha=0.5, N=4, rng=0)
>>> ad.ml.predict_alpha(x).shape
(4,)

Reference for the task and the tutorial network: Muñoz-Gil et al., "Objective comparison of
methods to decode anomalous diffusion", Nat. Commun. 12, 6253 (2021),
doi:10.1038/s41467-021-26320-w; Granik et al., Biophys. J. 117, 185 (2019),
doi:10.1016/j.bpj.2019.06.015 (CNNs for single trajectories).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# The backend is fixed when Keras is first imported: choose JAX unless the user chose.
os.environ.setdefault("KERAS_BACKEND", "jax")

try:
    import keras
    from keras import ops
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        'anomdiff.ml needs Keras and a backend (JAX by default): pip install "anomdiff[ml]"'
    ) from err

from ._validate import as_int, as_rng, as_trajectories, as_trajectory_set
from .datasets import ergodic_labels, ergodicity_dataset, normalize
from .models import MODELS

#: Shortest trajectory the networks accept (points).
MIN_LENGTH = 20

#: Shipped pretrained networks: name -> file in ``anomdiff/data``.
PRETRAINED = {
    "alpha_fbm": "alpha_fbm.keras",
    "alpha_fbm_noisy": "alpha_fbm_noisy.keras",
    "ergodic": "ergodic.keras",
}

_DATA = Path(__file__).resolve().parent / "data"

# Largest number of trajectory points sent through a network in one batch: the activations
# of the wide layers take ~100 bytes per point, so this bounds the memory at a few 100 MB.
_MAX_BATCH_POINTS = 2**20

__all__ = [
    "Increments", "TimeChannel", "LogMeanSquare",
    "tutorial_network", "build_regressor", "build_classifier", "ergodic_labels",
    "network_input", "prepare_data", "train", "evaluate_regression", "evaluate_classifier",
    "load_pretrained", "predict_alpha", "predict_ergodic", "ergodicity_dataset", "set_seed",
    "MIN_LENGTH", "PRETRAINED",
    "MaskedPooling", "EnsembleMean", "build_andi_network", "build_andi_ensemble", "andi_loss",
    "andi_input", "predict_model",
    "ANDI_MIN_LENGTH",
]


# ------------------------------------------------------------------ custom layers

# Registered as "anomdiff>ClassName": the shipped .keras files refer to them by that name.


@keras.saving.register_keras_serializable(package="anomdiff")
class Increments(keras.layers.Layer):
    """Positions (B, T, 1) -> increments (B, T-1, 1) divided by their rms over time.

    Dividing by the rms makes the network blind to the scale of the positions, so raw and
    normalized trajectories give the same output.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`keras.layers.Layer` (e.g. ``name``).

    See Also
    --------
    TimeChannel, LogMeanSquare : the other layers of :func:`build_regressor`.

    Examples
    --------
    >>> x = np.array([[[0.0], [2.0], [0.0]]], dtype="float32")
    >>> np.asarray(Increments()(x))[0, :, 0].round(3).tolist()
    [1.0, -1.0]
    """

    def call(self, x):
        dx = x[:, 1:, :] - x[:, :-1, :]
        std = ops.sqrt(ops.mean(ops.square(dx), axis=1, keepdims=True) + 1e-12)
        return dx / std

    def compute_output_shape(self, input_shape):
        t = input_shape[1]
        return (input_shape[0], None if t is None else t - 1, input_shape[2])


@keras.saving.register_keras_serializable(package="anomdiff")
class TimeChannel(keras.layers.Layer):
    """Append a channel that runs from -1 to 1 along time: (B, T, C) -> (B, T, C + 1).

    Pooled features cannot tell early from late; this channel lets them see a variance that
    drifts in time, as in scaled Brownian motion.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`Increments`.

    See Also
    --------
    Increments : the layer before it in :func:`build_classifier`.
    LogMeanSquare : the pooling after the convolutions.

    Examples
    --------
    >>> x = np.zeros((1, 3, 1), dtype="float32")
    >>> np.asarray(TimeChannel()(x))[0, :, 1].tolist()
    [-1.0, 0.0, 1.0]
    """

    def call(self, x):
        steps = ops.shape(x)[1]
        ramp = ops.linspace(-1.0, 1.0, steps)
        ramp = ops.cast(ops.reshape(ramp, (1, -1, 1)), x.dtype)
        ramp = ops.broadcast_to(ramp, (ops.shape(x)[0], steps, 1))
        return ops.concatenate([x, ramp], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], input_shape[2] + 1)


@keras.saving.register_keras_serializable(package="anomdiff")
class LogMeanSquare(keras.layers.Layer):
    """log of the mean over time of each channel squared: (B, T, C) -> (B, C).

    Filter-bank log powers like these are what spectral (Whittle) estimators of the Hurst
    exponent use.

    Parameters
    ----------
    *args, **kwargs
        Layer options, as for :class:`Increments`.

    See Also
    --------
    build_regressor, build_classifier : both pool their features with it.

    Examples
    --------
    >>> x = np.full((1, 4, 2), 2.0, dtype="float32")
    >>> np.asarray(LogMeanSquare()(x)).astype(float).round(3).tolist()
    [[1.386, 1.386]]
    """

    def call(self, x):
        return ops.log(ops.mean(ops.square(x), axis=1) + 1e-6)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def set_seed(seed):
    """Seed Python, numpy and the Keras backend (``keras.utils.set_random_seed``).

    Call it before building a network to get the same initial weights every run.

    Parameters
    ----------
    seed : int
        A non-negative integer.

    Returns
    -------
    None

    See Also
    --------
    train : its ``rng`` seeds the shuffling of batches.

    Examples
    --------
    >>> set_seed(0)
    """
    keras.utils.set_random_seed(as_int(seed, "seed", 0))


# ------------------------------------------------------------------ networks


def tutorial_network(T):
    """The AnDi tutorial's CNN for trajectories of fixed length ``T``, compiled.

    Parameters
    ----------
    T : int
        Trajectory length (>= 20).

    Returns
    -------
    keras.Model
        Input shape (None, T, 1) (see :func:`network_input`), output shape (None, 1).

    See Also
    --------
    build_regressor : a network for any length, closer to the Cramér-Rao bound.
    train : fit it.

    Notes
    -----
    Conv1D(3, 3) -> Conv1D(8, 5) -> Conv1D(3, 2), each with ReLU, "uniform" initializer and
    L2(1e-3); Flatten; Dense(128, sigmoid, L2(1e-3)); BatchNormalization; Dense(1, linear).
    Loss: mean absolute error; optimizer: Adam; metric "mae" (the loss without the L2
    penalties). Train it with ``batch_size=32``: with larger batches its BatchNormalization
    makes the validation error jump a lot from one epoch to the next.

    Examples
    --------
    >>> net = tutorial_network(200)
    >>> net.input_shape, net.output_shape
    ((None, 200, 1), (None, 1))
    """
    T = as_int(T, "T", MIN_LENGTH)
    L = keras.layers
    reg = keras.regularizers.L2(1e-3)
    conv = dict(activation="relu", kernel_initializer="uniform", kernel_regularizer=reg)
    model = keras.Sequential(
        [
            keras.Input((T, 1)),
            L.Conv1D(3, 3, **conv),
            L.Conv1D(8, 5, **conv),
            L.Conv1D(3, 2, **conv),
            L.Flatten(),
            L.Dense(128, activation="sigmoid", kernel_regularizer=reg),
            L.BatchNormalization(),
            L.Dense(1, activation="linear"),
        ],
        name="tutorial_network",
    )
    # The "mae" metric is the error alone; the loss also holds the L2 penalties.
    model.compile(optimizer=keras.optimizers.Adam(), loss="mae", metrics=["mae"])
    return model


def _trunk(time_channel: bool, filters: int = 32, dilations=(1, 2, 4, 8, 16, 32)):
    """Dilated residual CNN on normalized increments -> pooled feature vector."""
    L = keras.layers
    inp = keras.Input((None, 1), name="positions")
    h = Increments(name="increments")(inp)
    if time_channel:
        h = TimeChannel(name="time")(h)
    h = L.Conv1D(filters, 3, padding="causal", name="stem")(h)
    powers = [LogMeanSquare(name="logpow_stem")(h)]
    for d in dilations:
        y = L.Conv1D(filters, 3, dilation_rate=d, padding="causal", activation="relu",
                     name=f"dil{d}")(h)
        y = L.Conv1D(filters, 1, name=f"mix{d}")(y)
        h = L.Add(name=f"res{d}")([h, y])
        powers.append(LogMeanSquare(name=f"logpow{d}")(h))
    feats = L.Concatenate(name="features")(
        powers + [L.GlobalAveragePooling1D(name="mean")(L.Activation("relu")(h))]
    )
    z = L.Dense(64, activation="relu", name="head1")(feats)
    z = L.Dense(32, activation="relu", name="head2")(z)
    return inp, z


def build_regressor(*, learning_rate=1e-3):
    """A better exponent regressor for any length T >= 20, compiled with MAE loss.

    Parameters
    ----------
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default 1e-3
        Adam learning rate.

    Returns
    -------
    keras.Model
        Input shape (None, None, 1): any length; output shape (None, 1).

    See Also
    --------
    build_classifier : the same trunk with a sigmoid output.
    tutorial_network : the AnDi tutorial's fixed-length CNN.

    Notes
    -----
    Increments of the positions divided by their rms (:class:`Increments`, so the scale of
    the input does not matter) -> causal Conv1D stem -> six residual blocks of dilated
    Conv1D (dilations 1, 2, ..., 32, ReLU; receptive field 127 steps) -> per-block log mean
    power of every channel (:class:`LogMeanSquare`, a learned filter bank as in spectral
    Hurst estimators) and global average pooling -> Dense(64) -> Dense(32) -> Dense(1).
    About 25 000 weights.

    Examples
    --------
    >>> net = build_regressor()
    >>> net.input_shape, net.output_shape
    ((None, None, 1), (None, 1))
    """
    inp, z = _trunk(time_channel=False)
    out = keras.layers.Dense(1, name="alpha")(z)
    model = keras.Model(inp, out, name="alpha_regressor")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mae")
    return model


def build_classifier(*, learning_rate=1e-3):
    """Ergodic (1) versus non-ergodic (0) classifier for any length T >= 20, compiled.

    Parameters
    ----------
    learning_rate : float or LearningRateSchedule, default 1e-3
        As for :func:`build_regressor`.

    Returns
    -------
    keras.Model
        Input shape (None, None, 1); output (None, 1): the probability of being ergodic.

    See Also
    --------
    build_regressor : the same trunk for the exponent.
    predict_ergodic : the shipped, pretrained classifier.

    Notes
    -----
    The trunk of :func:`build_regressor` plus a channel marking the time within the
    trajectory (:class:`TimeChannel`, so the network can see a variance that drifts in
    time, as in SBM), and a sigmoid output. Loss: binary cross-entropy; metric: accuracy.

    Examples
    --------
    >>> net = build_classifier()
    >>> net.output_shape
    (None, 1)
    """
    inp, z = _trunk(time_channel=True)
    out = keras.layers.Dense(1, activation="sigmoid", name="p_ergodic")(z)
    model = keras.Model(inp, out, name="ergodic_classifier")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


# ------------------------------------------------------------------ data


def _normalized(trajs, name="trajs", immobile_value=np.nan):
    """Checked positions -> (normalized float32 (N, T, 1), immobile rows, was_1d), no warning."""
    if isinstance(trajs, (str, bytes)) or trajs is None:
        raise TypeError(f"{name}: expected an array of positions, shape (N, T) or (T,), got {trajs!r}.")
    x, was_1d = as_trajectories(trajs, name=name, min_length=MIN_LENGTH)
    immobile = np.all(x[:, 1:] == x[:, :1], axis=1)
    with warnings.catch_warnings():
        # Immobile rows are reported by the caller, once.
        warnings.simplefilter("ignore", RuntimeWarning)
        z = normalize(x)
    z = z.astype(np.float32)[..., np.newaxis]
    z[immobile] = immobile_value
    return z, immobile, was_1d


def _warn_immobile(immobile, what):
    if immobile.any():
        warnings.warn(
            f"trajs: {int(immobile.sum())} immobile trajectory(ies) (all positions equal) carry "
            f"no information; their {what} is NaN.", RuntimeWarning, stacklevel=3)


def network_input(trajs):
    """Trajectories -> the input every network of this module reads.

    Each trajectory's increments are divided by their standard deviation and re-summed from
    0 (:func:`anomdiff.normalize`), then a channel axis is added, in float32.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,)
        Raw positions, any scale, T >= 20, finite.

    Returns
    -------
    ndarray of float32, shape (N, T, 1)
        One trajectory (shape (T,)) gives shape (1, T, 1). Rows of immobile trajectories
        (all positions equal) are NaN, with a ``RuntimeWarning``.

    See Also
    --------
    anomdiff.normalize : the normalization.
    prepare_data : inputs and targets from a dataset.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = network_input(ad.simulate("fbm", 50, 0.5, 3, rng=0))
    >>> x.shape, x.dtype.name, float(x[0, 0, 0])
    ((3, 50, 1), 'float32', 0.0)
    """
    z, immobile, _ = _normalized(trajs)
    _warn_immobile(immobile, "input")
    return z


def _as_dataset(dataset) -> np.ndarray:
    try:
        data = np.asarray(dataset, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("dataset: expected a numeric array from ad.create_dataset.") from None
    if data.ndim != 2:
        raise ValueError(
            f"dataset: expected a 2-D array (rows, 2 + T) from ad.create_dataset, got shape {data.shape}."
        )
    if data.shape[0] == 0:
        raise ValueError("dataset: got no rows.")
    if data.shape[1] < 2 + MIN_LENGTH:
        raise ValueError(
            f"dataset: trajectories need at least {MIN_LENGTH} points (columns 2 + T >= "
            f"{2 + MIN_LENGTH}), got {data.shape[1]} columns."
        )
    if not np.all(np.isfinite(data)):
        raise ValueError("dataset: contains NaN or infinite values; clean or drop those rows first.")
    return data


def prepare_data(dataset, target="alpha", *, validation=0.2, rng=None):
    """Turn a :func:`anomdiff.create_dataset` array into network inputs and targets.

    Parameters
    ----------
    dataset : array_like, shape (rows, 2 + T)
        Column 0 model label, column 1 exponent, then T >= 20 positions.
    target : {"alpha", "ergodic"}, default "alpha"
        Exponent (float32) or ergodicity label (1 ergodic, 0 not, from
        :func:`anomdiff.ergodic_labels`; int32).
    validation : float, default 0.2
        Fraction of rows held out, 0 <= validation < 1 (0 gives empty validation arrays).
    rng : int, numpy.random.Generator or None
        Seed of the shuffle.

    Returns
    -------
    x_train : ndarray of float32, shape (n_train, T, 1)
        Network input (:func:`network_input`).
    y_train : ndarray, shape (n_train,)
        Targets.
    x_val : ndarray of float32, shape (n_val, T, 1)
        Validation input.
    y_val : ndarray, shape (n_val,)
        Validation targets.

    See Also
    --------
    network_input : the input of a set of trajectories.
    train : fit a network on these arrays.

    Notes
    -----
    Rows are shuffled with ``rng``, then split: the last ``round(validation * rows)``
    shuffled rows are the validation set. Every array is built from the same permutation,
    so the two tutorial bugs (a validation set reshaped with the training count, and
    ergodicity labels all 0) cannot happen. Immobile trajectories (e.g. a CTRW that never
    jumped) are valid samples: their input is all zeros.

    Examples
    --------
    >>> import anomdiff as ad
    >>> data = ad.create_dataset(50, 10, [0.5, 1.0], ["fbm", "ctrw"], rng=0)
    >>> x_tr, y_tr, x_va, y_va = prepare_data(data, "ergodic", rng=0)
    >>> x_tr.shape, x_va.shape, sorted(set(y_tr.tolist()))
    ((32, 50, 1), (8, 50, 1), [0, 1])
    """
    data = _as_dataset(dataset)
    if target not in ("alpha", "ergodic"):
        raise ValueError(f"target: expected 'alpha' or 'ergodic', got {target!r}.")
    if isinstance(validation, bool) or not isinstance(validation, numbers.Real) \
            or not (0 <= float(validation) < 1):
        raise ValueError(f"validation: expected a fraction 0 <= validation < 1, got {validation!r}.")
    n = data.shape[0]
    n_val = int(round(float(validation) * n))
    if n - n_val < 1:
        raise ValueError(f"validation: leaves no training rows out of {n}; use a smaller fraction.")
    order = as_rng(rng).permutation(n)
    data = data[order]
    # A trajectory that never moved (e.g. a CTRW that never jumped) is a valid sample.
    x = _normalized(data[:, 2:], "dataset", immobile_value=0.0)[0]
    if target == "alpha":
        y = data[:, 1].astype(np.float32)
    else:
        y = _ergodic_targets(data).astype(np.int32)
    cut = n - n_val
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _ergodic_targets(data):
    """Ergodicity labels of dataset rows: ergodic models, and every model at alpha = 1."""
    return ergodic_labels(data[:, 0], data[:, 1])



# ------------------------------------------------------------------ training


class _Progress(keras.callbacks.Callback):
    """One compact line per epoch: loss, metrics and seconds."""

    def __init__(self, epochs: int):
        super().__init__()
        self.epochs = epochs

    def on_epoch_begin(self, epoch, logs=None):
        self._t0 = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        parts = " ".join(f"{k}={float(v):.4f}" for k, v in logs.items() if k != "learning_rate")
        width = len(str(self.epochs))
        print(f"epoch {epoch + 1:>{width}}/{self.epochs}  {parts}  ({time.perf_counter() - self._t0:.1f}s)",
              file=sys.stdout, flush=True)


def train(model, x_train, y_train, x_val, y_val, *, epochs, batch_size=128, verbose=True, rng=None,
          callbacks=None):
    """Fit ``model`` and return its history as a plain dict.

    Parameters
    ----------
    model : keras.Model
        A compiled network (e.g. from :func:`tutorial_network` or :func:`build_regressor`).
    x_train : ndarray, shape (n, T, 1)
        Training input, as returned by :func:`prepare_data`.
    y_train : ndarray, shape (n,)
        Training targets.
    x_val : ndarray, shape (m, T, 1)
        Validation input; may be empty (m = 0).
    y_val : ndarray, shape (m,)
        Validation targets.
    epochs : int
        Passes over the training data (>= 1).
    batch_size : int, default 128
        Trajectories per gradient step.
    verbose : bool, default True
        Print one short line per epoch (fits a notebook cell).
    rng : int, numpy.random.Generator or None
        Seed for the shuffling of batches (``keras.utils.set_random_seed``); it does not
        re-initialize weights that already exist (seed before building the network for that,
        e.g. with :func:`set_seed`).
    callbacks : list of keras.callbacks.Callback, optional
        Extra Keras callbacks.

    Returns
    -------
    dict
        ``{"loss": [...], "val_loss": [...], ...}``, one value per epoch.

    See Also
    --------
    prepare_data : the arrays.
    evaluate_regression, evaluate_classifier : score the trained network.

    Examples
    --------
    >>> import anomdiff as ad
    >>> data = ad.create_dataset(50, 40, [0.5, 1.5], "fbm", rng=0)
    >>> xt, yt, xv, yv = prepare_data(data, rng=0)
    >>> hist = train(tutorial_network(50), xt, yt, xv, yv, epochs=2, verbose=False, rng=0)
    >>> sorted(hist), len(hist["loss"])
    (['loss', 'mae', 'val_loss', 'val_mae'], 2)
    """
    if not isinstance(model, keras.Model):
        raise TypeError(f"model: expected a compiled keras.Model, got {type(model).__name__}.")
    epochs = as_int(epochs, "epochs", 1)
    batch_size = as_int(batch_size, "batch_size", 1)
    xt, yt = _check_xy(x_train, y_train, "x_train", "y_train")
    xv, yv = _check_xy(x_val, y_val, "x_val", "y_val", allow_empty=True)
    if xt.shape[0] == 0:
        raise ValueError("x_train: got no training samples.")
    if xv.shape[0] and xv.shape[1:] != xt.shape[1:]:
        raise ValueError(f"x_val: shape {xv.shape} does not match x_train's {xt.shape} after the first axis.")
    if rng is not None:
        # An int seeds Keras directly; a Generator gives the seed (reproducible as well).
        set_seed(rng if isinstance(rng, numbers.Integral) and not isinstance(rng, bool)
                 else as_rng(rng).integers(2**31 - 1))
    cbs = list(callbacks or [])
    if verbose:
        cbs.append(_Progress(epochs))
    hist = model.fit(
        xt, yt, validation_data=(xv, yv) if xv.shape[0] else None,
        epochs=epochs, batch_size=batch_size, verbose=0, callbacks=cbs, shuffle=True,
    )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def _check_xy(x, y, xname, yname, allow_empty=False):
    try:
        x = np.asarray(x, dtype=np.float32)
        y = np.asarray(y, dtype=np.float32)
    except (TypeError, ValueError):
        raise TypeError(f"{xname}, {yname}: expected numeric arrays.") from None
    if x.ndim == 2:
        x = x[..., np.newaxis]
    if x.ndim != 3 or x.shape[-1] != 1:
        if allow_empty and x.size == 0:
            return np.zeros((0, 1, 1), np.float32), y.reshape(-1)
        raise ValueError(f"{xname}: expected shape (n, T, 1), got {x.shape}.")
    y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(f"{yname}: expected shape ({x.shape[0]},) to match {xname}, got {y.shape}.")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"{xname}, {yname}: contain NaN or infinite values.")
    if x.shape[0] and x.shape[1] < MIN_LENGTH and not allow_empty:
        raise ValueError(f"{xname}: trajectories need at least {MIN_LENGTH} points, got {x.shape[1]}.")
    return x, y


# ------------------------------------------------------------------ evaluation


def _as_vector(values, name) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a 1-D numeric array.") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {arr.shape}.")
    if arr.size == 0:
        raise ValueError(f"{name}: got no values.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: contains NaN or infinite values.")
    return arr


# Exponents at which the Cramér-Rao bound is evaluated for evaluate_regression (then
# interpolated): it varies slowly with alpha, and each evaluation costs O(T^2) or more.
_CRLB_GRID = np.linspace(0.02, 1.98, 50)


@functools.lru_cache(maxsize=64)
def _crlb_on_grid(T: int) -> np.ndarray:
    from .theory import fbm_crlb

    return np.asarray(fbm_crlb(_CRLB_GRID, T), dtype=np.float64)


def evaluate_regression(alpha_true, alpha_pred, *, T=None, bins=np.linspace(0.0, 2.0, 11)):
    """Mean absolute error overall and per exponent bin, next to the Cramér-Rao limit.

    Parameters
    ----------
    alpha_true : array_like, shape (n,)
        True exponents.
    alpha_pred : array_like, shape (n,)
        Estimated exponents.
    T : int, optional
        Trajectory length. If given (and the data are FBM), each bin also reports
        ``sqrt(2 / pi) * fbm_crlb(alpha, T)`` averaged over the bin's true exponents.
    bins : array_like, default 10 bins of width 0.2 on [0, 2]
        Bin edges for the true exponent (increasing).

    Returns
    -------
    dict
        ``"mae"`` (float), ``"bias"`` (mean of pred - true), and ``"bins"``: a dict of arrays
        ``"center"``, ``"count"``, ``"mae"`` and, when ``T`` is given, ``"crlb_mae"``
        (NaN for empty bins).

    See Also
    --------
    anomdiff.theory.fbm_crlb : the Cramér-Rao bound.
    evaluate_classifier : the same for the ergodicity classifier.

    Notes
    -----
    ``sqrt(2 / pi) * sigma_CRB`` is the mean absolute error of an unbiased Gaussian
    estimator whose standard deviation reaches the bound: a reference, not a bound on the
    MAE (a biased estimator can beat it). The bound is computed on a grid of 50 exponents in
    [0.02, 1.98] (cached per T) and interpolated linearly, to within 0.5 % of the exact
    value; true exponents outside the grid use its end values.

    Examples
    --------
    >>> r = evaluate_regression([0.5, 1.0, 1.5], [0.6, 1.0, 1.3], bins=[0, 1, 2])
    >>> round(r["mae"], 3), r["bins"]["mae"].round(3).tolist()
    (0.1, [0.1, 0.1])
    """
    t = _as_vector(alpha_true, "alpha_true")
    p = _as_vector(alpha_pred, "alpha_pred")
    if t.shape != p.shape:
        raise ValueError(f"alpha_pred: expected {t.size} values like alpha_true, got {p.size}.")
    edges = _as_vector(bins, "bins")
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("bins: expected at least two increasing bin edges.")
    err = np.abs(p - t)
    nb = edges.size - 1
    which = np.digitize(t, edges[1:-1])  # last bin closed on the right
    which[(t < edges[0]) | (t > edges[-1])] = nb  # outside every bin
    count = np.bincount(which, minlength=nb + 1)[:nb]
    with np.errstate(invalid="ignore", divide="ignore"):
        mae = np.bincount(which, weights=err, minlength=nb + 1)[:nb] / count
    table = {"center": 0.5 * (edges[1:] + edges[:-1]), "count": count, "mae": mae}
    if T is not None:
        T = as_int(T, "T", 3)
        ok = (t > 0) & (t < 2)
        crlb = np.interp(t, _CRLB_GRID, _crlb_on_grid(T)) * math.sqrt(2 / math.pi)
        sel = np.where(ok, which, nb)
        n_ok = np.bincount(sel, minlength=nb + 1)[:nb]
        with np.errstate(invalid="ignore", divide="ignore"):
            table["crlb_mae"] = np.bincount(sel, weights=np.where(ok, crlb, 0.0), minlength=nb + 1)[:nb] / n_ok
    return {"mae": float(err.mean()), "bias": float(np.mean(p - t)), "bins": table}


def evaluate_classifier(y_true, prob, *, model_labels=None, alphas=None, threshold=0.5):
    """Accuracy, confusion matrix and, if labels are given, accuracy per (model, exponent).

    Parameters
    ----------
    y_true : array_like of 0/1, shape (n,)
        1 = ergodic.
    prob : array_like, shape (n,)
        Predicted probability of being ergodic.
    model_labels : array_like of int, shape (n,), optional
        Model label (0..4, index into :data:`anomdiff.MODELS`) of every sample.
    alphas : array_like, shape (n,), optional
        Exponent of every sample (needs ``model_labels``).
    threshold : float, default 0.5
        ``prob >= threshold`` counts as ergodic; 0 < threshold < 1.

    Returns
    -------
    dict
        ``"accuracy"``; ``"confusion"``: 2x2 int array, rows true class (0 non-ergodic,
        1 ergodic), columns predicted class; ``"per_model"``: {model name: accuracy} and
        ``"per_group"``: {(model name, alpha): accuracy} when ``model_labels`` is given
        (``alphas`` needed for the second).

    See Also
    --------
    predict_ergodic : the probabilities of the shipped classifier.
    evaluate_regression : the same for exponents.

    Examples
    --------
    >>> r = evaluate_classifier([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.1])
    >>> r["accuracy"], r["confusion"].tolist()
    (0.75, [[2, 0], [1, 1]])
    """
    y = _as_vector(y_true, "y_true")
    p = _as_vector(prob, "prob")
    if p.shape != y.shape:
        raise ValueError(f"prob: expected {y.size} values like y_true, got {p.size}.")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y_true: expected labels 0 (non-ergodic) or 1 (ergodic).")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("prob: expected probabilities in [0, 1].")
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not 0 < threshold < 1:
        raise ValueError(f"threshold: expected a number in (0, 1), got {threshold!r}.")
    pred = (p >= threshold).astype(int)
    y = y.astype(int)
    correct = pred == y
    conf = np.zeros((2, 2), dtype=int)
    np.add.at(conf, (y, pred), 1)
    out = {"accuracy": float(correct.mean()), "confusion": conf}
    if model_labels is not None:
        m = _as_vector(model_labels, "model_labels")
        if m.shape != y.shape:
            raise ValueError(f"model_labels: expected {y.size} values, got {m.size}.")
        if np.any(m != np.round(m)) or m.min() < 0 or m.max() >= len(MODELS):
            raise ValueError(f"model_labels: expected integer labels 0..{len(MODELS) - 1}.")
        m = m.astype(int)
        out["per_model"] = {MODELS[k]: float(correct[m == k].mean()) for k in np.unique(m)}
        if alphas is not None:
            a = _as_vector(alphas, "alphas")
            if a.shape != y.shape:
                raise ValueError(f"alphas: expected {y.size} values, got {a.size}.")
            a = np.round(a, 3)
            groups = {}
            for k in np.unique(m):
                for v in np.unique(a[m == k]):
                    sel = (m == k) & (a == v)
                    groups[(MODELS[k], float(v))] = float(correct[sel].mean())
            out["per_group"] = groups
    return out


# ------------------------------------------------------------------ pretrained models


@functools.lru_cache(maxsize=None)
def _load_cached(name: str):
    path = _DATA / PRETRAINED[name]
    if not path.exists():
        raise FileNotFoundError(
            f"name: the pretrained file {path} is missing; reinstall anomdiff or run "
            "scripts/train_pretrained.py."
        )
    return keras.saving.load_model(path, compile=False, safe_mode=True)


def load_pretrained(name):
    """Load a shipped pretrained network (offline, Keras safe mode).

    Parameters
    ----------
    name : {"alpha_fbm", "alpha_fbm_noisy", "ergodic", "andi_1d"}
        ``"andi_1d"``: model classifier and exponent regressor with uncertainty for all five
        models, lengths 10..1000, with localization noise (used by :func:`predict_model` and
        ``predict_alpha(model=None)``; reads :func:`andi_input`, not :func:`network_input`);
        ``"alpha_fbm"``: exponent regressor trained on FBM, exponents U(0.05, 1.95), T = 200
        (used by ``predict_alpha(model="fbm")``); ``"alpha_fbm_noisy"``: the same network trained on
        FBM with localization noise of std ~ U(0, 1) in units of the step std (use it for
        noisy tracks); ``"ergodic"``: ergodic/non-ergodic classifier trained on the tutorial's
        grid of all five models, T = 200 (used by :func:`predict_ergodic`).

    Returns
    -------
    keras.Model
        Not compiled; compile it before further training. The model is cached, so repeated
        calls return the same object.

    See Also
    --------
    network_input : what the networks read.
    predict_alpha, predict_ergodic : use them directly.

    Notes
    -----
    The FBM and ergodicity networks accept any T >= 20 (most accurate near T = 200) and read
    :func:`network_input`; ``"andi_1d"`` reads :func:`andi_input` (T >= 10).
    Training settings, validation scores and reference outputs are in the JSON file next to
    each model in ``anomdiff/data``; ``scripts/train_pretrained.py`` retrains them.

    Examples
    --------
    >>> net = load_pretrained("alpha_fbm")
    >>> net.input_shape
    (None, None, 1)
    """
    if not isinstance(name, str):
        raise TypeError(f"name: expected one of {sorted(PRETRAINED)}, got {name!r}.")
    if name not in PRETRAINED:
        raise ValueError(f"name: unknown pretrained model {name!r}; choose one of {sorted(PRETRAINED)}.")
    return _load_cached(name)


def _predict(model, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Network output (first unit) for input ``x`` (n, T, 1), in bounded memory."""
    n, T = x.shape[:2]
    # Batches hold at most _MAX_BATCH_POINTS points (memory) and are padded to a few fixed
    # sizes (powers of two) so that the compiled predict function is reused, not retraced.
    cap = 1 << max(0, (_MAX_BATCH_POINTS // max(T, 1)).bit_length() - 1)
    size = min(batch_size, cap, max(8, 1 << max(0, (n - 1).bit_length())))
    out = np.empty(n, dtype=np.float64)
    for i in range(0, n, size):
        chunk = x[i:i + size]
        if chunk.shape[0] < size:
            chunk = np.concatenate([chunk, np.zeros((size - chunk.shape[0], *x.shape[1:]), x.dtype)])
        out[i:i + size] = np.asarray(model.predict_on_batch(chunk))[: n - i, 0]
    return out


def _predict_trajs(name, trajs, what):
    z, immobile, was_1d = _normalized(trajs, immobile_value=0.0)  # output replaced by NaN
    _warn_immobile(immobile, what)
    out = _predict(load_pretrained(name), z)
    out[immobile] = np.nan
    return out, was_1d


def predict_alpha(trajs, *, model=None, return_std=False):
    """Anomalous exponents with a pretrained network, for any model or for FBM.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,), or list of 1-D arrays
        Raw positions, any scale, one-dimensional. With ``model=None``: at least 10 points
        per trajectory, unequal lengths as a list of arrays or NaN-padded at the end (NaN
        between valid points is a ValueError). With ``model="fbm"``: complete (N, T) arrays,
        T >= 20.
    model : {None, "fbm"}, default None
        ``None``: the any-model network (``"andi_1d"``, trained on all five models, lengths
        10..1000, with localization noise); ``"fbm"``: the FBM specialist (``"alpha_fbm"``,
        trained on FBM at T = 200; the more accurate one on clean FBM).
    return_std : bool, default False
        Also return the predictive standard deviation of each exponent (``model=None``
        only): ``alpha ± 1.96 * std`` is a calibrated 95 % interval.

    Returns
    -------
    alpha : ndarray, shape (N,), or float
        The exponents; a float for one trajectory of shape (T,). Immobile trajectories (all
        positions equal) give NaN and one ``RuntimeWarning``.
    std : ndarray, shape (N,), or float
        Only with ``return_std=True``: the predictive standard deviation.

    Raises
    ------
    ValueError
        An unknown ``model``, ``return_std`` with ``model="fbm"``, or bad trajectories
        (too short, all NaN, gaps, d-dimensional: these networks are 1-D, pass one component
        at a time).

    See Also
    --------
    predict_model : the model probabilities from the same network.
    anomdiff.mle_alpha : maximum likelihood under FBM, with standard errors.
    anomdiff.fit_alpha : the TA-MSD fit.
    load_pretrained : the networks ("andi_1d", "alpha_fbm").

    Notes
    -----
    The any-model network (an ensemble of two, :func:`build_andi_ensemble`) outputs a mean
    :math:`\\hat\\alpha` (each member trained with the absolute error) and a log-variance
    :math:`s` (each member's trained with the Gaussian negative log-likelihood of its error;
    the ensemble's is the members' mean variance plus the variance of their exponents). The returned std is :math:`c\\, e^{s/2}`, with :math:`c` one of four factors
    (``"std_calibration"`` in ``anomdiff/data/andi_1d.json``), one per bin of the network's
    confidence (its largest model probability, bins split at 0.6, 0.8 and 0.95), each fitted
    on held-out AnDi-like trajectories so that 95 % of the errors in its bin lie within
    :math:`1.96\\,` std: the less sure the network is of the model, the wider the interval.
    The std is the spread of the network's error over trajectories like the one given
    (length, noise, model as the network reads them), not a Cramér-Rao bound; the coverage
    holds on average over the five models, not for each true model (which the calibration
    cannot see). On the AnDi-1 protocol (``benchmarks/andi_protocol.py``)
    the any-model network has MAE 0.143 (0.29 for 10-50 points, 0.115 for 501-1000; the
    TA-MSD fit 0.291) and its 95 % intervals cover the truth for 94.7 % of the tracks (ATTM
    90 %, FBM 98 %). On the AnDi challenge's own generator
    (``benchmarks/andi_datasets_check.py``) the MAE is 0.19 and the coverage 90 %. On clean
    FBM at T = 200 the FBM specialist is better (MAE 0.066 against 0.141).

    Memory is bounded whatever T: trajectories go through the networks in batches of at
    most 2**20 points (one trajectory of 10**6 points through the
    FBM specialist: peak 0.95 GB resident, of which 0.44 GB is Keras and JAX themselves).

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", T=200, alpha=1.5, N=200, rng=1)
    >>> bool(abs(predict_alpha(1000 * x, model="fbm").mean() - 1.5) < 0.05)
    True
    >>> a, s = predict_alpha([ad.simulate("ctrw", 300, 0.5, rng=2)[0], x[0, :50]], return_std=True)
    >>> a.shape, s.shape, bool(np.all(s > 0))
    ((2,), (2,), True)
    """
    if not isinstance(return_std, (bool, np.bool_)):
        raise TypeError(f"return_std: expected True or False, got {return_std!r}.")
    if model is None:
        out, was_1d = _andi_outputs(trajs, "exponent")
        alpha = out[:, len(MODELS)]
        std = _andi_std(out)
    elif isinstance(model, str) and model.lower() == "fbm":
        if return_std:
            raise ValueError(
                "return_std: only the any-model network (model=None) predicts an uncertainty; "
                "for FBM, ad.mle_alpha gives standard errors from the Fisher information.")
        alpha, was_1d = _predict_trajs("alpha_fbm", trajs, "exponent")
        std = None
    else:
        raise ValueError(f"model: expected None (any model) or 'fbm' (the FBM specialist), got {model!r}.")
    if was_1d:
        return (float(alpha[0]), float(std[0])) if return_std else float(alpha[0])
    return (alpha, std) if return_std else alpha


def predict_ergodic(trajs, *, return_probability=False):
    """Ergodic (1) or non-ergodic (0) with the pretrained classifier.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,)
        Raw positions, any scale, T >= 20, finite.
    return_probability : bool, default False
        Return the probability of being ergodic instead of 0/1.

    Returns
    -------
    ndarray, shape (N,), or scalar
        int 0/1 labels, or float probabilities with ``return_probability``; a scalar for
        one trajectory of shape (T,). Immobile trajectories give probability NaN (label
        -1) and one ``RuntimeWarning``.

    See Also
    --------
    anomdiff.eb : the ergodicity-breaking parameter, a classical indicator.
    load_pretrained : the network ("ergodic").

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("ctrw", T=200, alpha=0.3, N=50, rng=2)
    >>> bool(predict_ergodic(x).mean() < 0.2)
    True
    """
    out, was_1d = _predict_trajs("ergodic", trajs, "probability")
    prob = np.clip(out, 0.0, 1.0)
    if return_probability:
        return float(prob[0]) if was_1d else prob
    labels = np.where(np.isnan(prob), -1, prob >= 0.5).astype(np.int64)
    return int(labels[0]) if was_1d else labels


# ------------------------------------------------------------------ any model, any length (issue 11)

#: Shortest trajectory :func:`predict_model` and ``predict_alpha(model=None)`` accept (points).
ANDI_MIN_LENGTH = 10

PRETRAINED["andi_1d"] = "andi_1d.keras"

# Padded widths (increments) of the length buckets used at prediction: a few fixed shapes, so
# the compiled predict function is reused; beyond 1024 widths are multiples of 1024.
_ANDI_WIDTHS = (16, 32, 64, 128, 256, 512, 1024)

# Input channels of the any-model network, computed by _andi_features.
_ANDI_CHANNELS = ("increment", "mask", "time", "log_square", "position")


@keras.saving.register_keras_serializable(package="anomdiff")
class MaskedPooling(keras.layers.Layer):
    """Pool features over the valid time steps only: ``(h, x) -> (B, 2 C + 1)``.

    ``h`` (B, L, C) are features, ``x`` (B, L, 5) the network input, whose channel 1 is the
    mask (1 at a valid increment, 0 at padding). Returns the masked mean of ReLU(h), the log
    of the masked mean of h squared, and log(n) / log(1000) with n the number of valid steps.
    Padding therefore never enters the result (with causal convolutions upstream).

    Parameters
    ----------
    *args, **kwargs
        Keras layer options such as ``name``.

    See Also
    --------
    build_andi_network : the network that uses it.

    Examples
    --------
    >>> h = np.array([[[1.0], [3.0], [100.0]]], dtype="float32")
    >>> x = np.zeros((1, 3, 5), dtype="float32"); x[0, :2, 1] = 1
    >>> np.asarray(MaskedPooling()([h, x])).astype(float).round(3).tolist()
    [[2.0, 1.609, 0.1]]
    """

    def call(self, inputs):
        h, x = inputs
        m = x[:, :, 1:2]
        n = ops.maximum(ops.sum(m, axis=1), 1.0)
        mean = ops.sum(ops.relu(h) * m, axis=1) / n
        power = ops.log(ops.sum(ops.square(h) * m, axis=1) / n + 1e-6)
        return ops.concatenate([mean, power, ops.log(n) / math.log(1000.0)], axis=-1)

    def compute_output_shape(self, input_shape):
        h = input_shape[0]
        return (h[0], 2 * h[2] + 1)


def build_andi_network(*, filters=32, dilations=(1, 2, 4, 8, 16, 32), learning_rate=1e-3):
    """Model classifier and exponent regressor (with uncertainty) for any model and length.

    Parameters
    ----------
    filters : int, default 32
        Channels of every convolution.
    dilations : sequence of int, default (1, 2, 4, 8, 16, 32)
        Dilation of each residual block (receptive field ``3 + 2 * sum(dilations)`` steps).
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule, default 1e-3
        Adam learning rate.

    Returns
    -------
    keras.Model
        Compiled with :func:`andi_loss`. Input (None, None, 5) from :func:`andi_input`;
        output (None, 7): five model logits (order of :data:`anomdiff.MODELS`), the exponent
        and the log-variance of its error.

    See Also
    --------
    andi_input : the input.
    predict_model, predict_alpha : the shipped, pretrained network.

    Notes
    -----
    Causal Conv1D stem -> residual blocks of dilated causal Conv1D (ReLU) + 1x1 Conv1D ->
    :class:`MaskedPooling` after the stem and every block -> Dense(64) -> Dense(64) ->
    Dense(7). Causal convolutions and trailing padding mean that a valid step never sees a
    padded one, and the pooling averages over valid steps only: a trajectory gives the same
    output whatever it is padded to. The pooled log powers are a learned filter bank (as in
    spectral estimators of the exponent); the time channel lets the network see variances
    that drift in time (SBM); the log-square channel sees rests and long jumps (CTRW, ATTM,
    Lévy walk). About 50 000 weights.

    Examples
    --------
    >>> net = build_andi_network(filters=8, dilations=(1, 2))
    >>> net.input_shape, net.output_shape
    ((None, None, 5), (None, 7))
    """
    filters = as_int(filters, "filters", 1)
    L = keras.layers
    inp = keras.Input((None, len(_ANDI_CHANNELS)), name="features")
    h = L.Conv1D(filters, 3, padding="causal", name="stem")(inp)
    pooled = [MaskedPooling(name="pool_stem")([h, inp])]
    for d in dilations:
        d = as_int(d, "dilations", 1)
        y = L.Conv1D(filters, 3, dilation_rate=d, padding="causal", activation="relu", name=f"dil{d}")(h)
        y = L.Conv1D(filters, 1, name=f"mix{d}")(y)
        h = L.Add(name=f"res{d}")([h, y])
        pooled.append(MaskedPooling(name=f"pool{d}")([h, inp]))
    z = L.Concatenate(name="pooled")(pooled)
    z = L.Dense(64, activation="relu", name="head1")(z)
    z = L.Dense(64, activation="relu", name="head2")(z)
    out = L.Dense(len(MODELS) + 2, name="logits_alpha_logvar")(z)
    model = keras.Model(inp, out, name="andi_network")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=andi_loss)
    return model


@keras.saving.register_keras_serializable(package="anomdiff")
class EnsembleMean(keras.layers.Layer):
    """Combine the outputs of M any-model networks into one output of the same layout.

    Each input is (B, 7): five model logits, the exponent and the log-variance of its error.
    The output holds the log of the mean model probabilities (valid logits), the mean
    exponent and the log of the total variance: the mean of the members' variances plus the
    variance of their exponents (the law of total variance over the members).

    Parameters
    ----------
    *args, **kwargs
        Keras layer options such as ``name``.

    See Also
    --------
    build_andi_ensemble : the network that uses it.

    Examples
    --------
    >>> a = np.array([[0, 0, 0, 0, 0, 0.4, np.log(0.01)]], dtype="float32")
    >>> b = np.array([[0, 0, 0, 0, 0, 0.6, np.log(0.01)]], dtype="float32")
    >>> out = np.asarray(EnsembleMean()([a, b])).astype(float)
    >>> round(float(out[0, 5]), 3), round(float(np.exp(out[0, 6])), 4)
    (0.5, 0.02)
    """

    def call(self, inputs):
        o = ops.stack(inputs, axis=0)
        k = len(MODELS)
        logp = ops.log_softmax(o[:, :, :k], axis=-1)
        logits = ops.logsumexp(logp, axis=0) - math.log(len(inputs))
        alpha = o[:, :, k]
        var = ops.mean(ops.exp(ops.clip(o[:, :, k + 1], -10.0, 4.0)), axis=0) + ops.var(alpha, axis=0)
        return ops.concatenate([logits, ops.mean(alpha, axis=0)[:, None], ops.log(var)[:, None]], axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape[0]


def build_andi_ensemble(members):
    """One network that averages several trained any-model networks.

    Parameters
    ----------
    members : sequence of keras.Model
        Trained networks with :func:`build_andi_network`'s input and output (copied).

    Returns
    -------
    keras.Model
        Input and output as :func:`build_andi_network`'s; the output combines the members
        with :class:`EnsembleMean`. Compiled with :func:`andi_loss`.

    See Also
    --------
    build_andi_network : one member.

    Notes
    -----
    Independently trained networks err on partly different trajectories, so their mean
    classifies better than either, and the spread of their exponents adds the part of the
    uncertainty that comes from training (a "deep ensemble") to the variance each member
    predicts. The shipped ``andi_1d`` is such an ensemble of two members.

    Examples
    --------
    >>> pair = build_andi_ensemble([build_andi_network(), build_andi_network()])
    >>> pair.output_shape, len(pair.layers)
    ((None, 7), 4)
    """
    if isinstance(members, keras.Model) or len(members) < 2:
        raise ValueError("members: expected a sequence of at least two networks.")
    inp = keras.Input((None, len(_ANDI_CHANNELS)), name="features")
    outs = []
    for i, trained in enumerate(members):
        copy = keras.models.clone_model(trained)  # uncompiled: no optimizer state is saved
        copy.set_weights(trained.get_weights())
        copy.name = f"member{i}"
        outs.append(copy(inp))
    model = keras.Model(inp, EnsembleMean(name="mean")(outs), name="andi_ensemble")
    model.compile(optimizer="adam", loss=andi_loss)
    return model


@keras.saving.register_keras_serializable(package="anomdiff")
def andi_loss(y_true, y_pred):
    """Training loss of :func:`build_andi_network`: cross-entropy + MAE + Gaussian NLL.

    Parameters
    ----------
    y_true : tensor, shape (B, 2)
        Model label (0..4, as a float) and true exponent.
    y_pred : tensor, shape (B, 7)
        Network output: five logits, exponent, log-variance.

    Returns
    -------
    tensor, shape (B,)
        Per-sample loss.

    See Also
    --------
    build_andi_network : compiles the network with it.

    Notes
    -----
    The exponent is trained by the mean absolute error (the benchmark's score); the
    log-variance :math:`s` by the Gaussian negative log-likelihood
    :math:`\\tfrac12 [s + (\\alpha - \\hat\\alpha)^2 e^{-s}]` with the gradient to
    :math:`\\hat\\alpha` stopped, so that :math:`e^{s}` learns the expected squared error of
    the estimate without pulling the estimate itself.

    Examples
    --------
    >>> y = np.array([[2.0, 0.5]], dtype="float32")
    >>> p = np.array([[0, 0, 9, 0, 0, 0.5, 0]], dtype="float32")
    >>> bool(float(np.asarray(andi_loss(y, p))[0]) < 0.01)
    True
    """
    label = ops.cast(y_true[:, 0], "int32")
    alpha = y_true[:, 1]
    logits = y_pred[:, : len(MODELS)]
    mu = y_pred[:, len(MODELS)]
    logvar = ops.clip(y_pred[:, len(MODELS) + 1], -10.0, 4.0)
    ce = keras.losses.sparse_categorical_crossentropy(label, logits, from_logits=True)
    err2 = ops.square(alpha - ops.stop_gradient(mu))
    nll = 0.5 * (logvar + err2 * ops.exp(-logvar))
    return ce + ops.abs(alpha - mu) + 0.5 * nll


def _andi_positions(trajs, name="trajs"):
    """Checked 1-D positions -> (x (N, T) left-aligned, NaN after, lengths n (N,), was_1d)."""
    if isinstance(trajs, (str, bytes)) or trajs is None:
        raise TypeError(f"{name}: expected an array of positions, shape (N, T) or (T,), "
                        f"or a list of 1-D arrays, got {trajs!r}.")
    ts = as_trajectory_set(trajs, name, ANDI_MIN_LENGTH)
    if not ts.dim1:
        raise ValueError(
            f"{name}: these networks read one-dimensional positions, shape (T,), (N, T) or a "
            f"list of 1-D arrays; got shape {ts.x.shape} (d = {ts.x.shape[2]}). Pass one "
            "component at a time (e.g. x[..., 0]) and combine the results yourself.")
    x = ts.x[:, :, 0]
    N, T = x.shape
    valid = ~np.isnan(x)
    first = np.argmax(valid, axis=1)
    last = T - 1 - np.argmax(valid[:, ::-1], axis=1)
    n = last - first + 1
    count = valid.sum(axis=1)
    gap = np.flatnonzero(count != n)
    if gap.size:
        raise ValueError(
            f"{name}: trajectory {int(gap[0])} has a missing point (NaN) between valid ones"
            + (f", and {gap.size - 1} more" if gap.size > 1 else "")
            + "; these networks need contiguous positions (NaN only before the first or after "
            "the last point). Split such tracks at their gaps first.")
    short = np.flatnonzero(n < ANDI_MIN_LENGTH)
    if short.size:
        raise ValueError(
            f"{name}: trajectory {int(short[0])} has {int(n[short[0]])} points; these networks "
            f"need at least ANDI_MIN_LENGTH = {ANDI_MIN_LENGTH} points per trajectory.")
    if np.any(first > 0):  # leading NaN: shift each row to start at its first point
        idx = np.minimum(first[:, None] + np.arange(T), T - 1)
        x = np.take_along_axis(x, idx, axis=1)
        x[np.arange(T) >= n[:, None]] = np.nan
    return x, n, ts.single


def _andi_features(x, n, width):
    """Left-aligned positions (M, >= width + 1) and lengths -> network input (M, width, 5).

    Channels: increments / rms, mask, relative time in [0, 1], log(z**2 + 1e-3) / 4 and
    the positions re-summed from the scaled increments divided by sqrt(n - 1).
    """
    M = x.shape[0]
    steps = n - 1
    d = np.diff(x[:, : width + 1], axis=1)
    mask = np.arange(width)[None, :] < steps[:, None]
    d = np.where(mask, d, 0.0)
    rms = np.sqrt(np.sum(d * d, axis=1) / steps)
    immobile = ~(rms > 0)
    z = d / np.where(immobile, 1.0, rms)[:, None]
    out = np.zeros((M, width, len(_ANDI_CHANNELS)), dtype=np.float32)
    out[:, :, 0] = z
    out[:, :, 1] = mask
    out[:, :, 2] = np.where(mask, np.arange(width)[None, :] / np.maximum(steps - 1, 1)[:, None], 0.0)
    out[:, :, 3] = np.where(mask, np.log(z * z + 1e-3) / 4, 0.0)
    out[:, :, 4] = np.cumsum(z, axis=1) / np.sqrt(steps)[:, None] * mask
    return out, immobile


def _andi_width(steps: int) -> int:
    for w in _ANDI_WIDTHS:
        if steps <= w:
            return w
    return -(-steps // 1024) * 1024


def andi_input(trajs):
    """Trajectories of any lengths -> ``(input, lengths)`` for :func:`build_andi_network`.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,), or list of 1-D arrays
        Raw positions, any scale; one-dimensional only. NaN may pad the end (or the start) of
        a shorter trajectory; at least :data:`ANDI_MIN_LENGTH` = 10 valid points each.

    Returns
    -------
    x : ndarray of float32, shape (N, W, 5)
        Network input, padded to ``W`` = the longest trajectory minus one, rounded up to the
        next width in (16, 32, ..., 1024) or a multiple of 1024. Channels: increments divided
        by their rms, mask (1 valid, 0 padding), relative time, log(z**2 + 1e-3) / 4, and the
        re-summed positions divided by sqrt(n - 1).
    lengths : ndarray of int, shape (N,)
        Number of valid points of each trajectory.

    Raises
    ------
    ValueError
        Gaps inside a trajectory, fewer than 10 points, an all-NaN trajectory, or d-D input.

    See Also
    --------
    build_andi_network : the network that reads it.
    predict_model : uses it.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x, n = andi_input([ad.simulate("fbm", 30, 0.5, rng=0)[0], ad.simulate("lw", 12, 1.5, rng=1)[0]])
    >>> x.shape, n.tolist(), float(x[1, :, 1].sum())
    ((2, 32, 5), [30, 12], 11.0)
    """
    x, n, _ = _andi_positions(trajs)
    width = _andi_width(int(n.max()) - 1)
    return _andi_features(_to_width(x, width), n, width)[0], n


def _to_width(x, width):
    """Left-aligned positions (M, T) cut or NaN-padded to ``width + 1`` columns."""
    x = x[:, : width + 1]
    pad = width + 1 - x.shape[1]
    return np.pad(x, ((0, 0), (0, pad)), constant_values=np.nan) if pad > 0 else x


def _andi_outputs(trajs, what, net=None):
    """(raw network outputs (N, 7) with NaN rows for immobile tracks, was_1d)."""
    x, n, was_1d = _andi_positions(trajs)
    net = load_pretrained("andi_1d") if net is None else net
    out = np.full((x.shape[0], len(MODELS) + 2), np.nan)
    order = np.argsort(n, kind="stable")
    widths = np.array([_andi_width(int(s)) for s in n[order] - 1])
    immobile = np.zeros(x.shape[0], dtype=bool)
    for w in np.unique(widths):
        rows = order[widths == w]
        feats, still = _andi_features(_to_width(x[rows], int(w)), n[rows], int(w))
        immobile[rows] = still
        # One batch size per width (about 2**15 points, a power of two): each width compiles
        # one predict function, whatever the number of trajectories; memory stays bounded.
        size = max(1, min(256, 2**15 // int(w)))
        for i in range(0, len(rows), size):
            chunk = feats[i:i + size]
            k = chunk.shape[0]
            if k < size:
                chunk = np.concatenate([chunk, np.zeros((size - k, *chunk.shape[1:]), np.float32)])
            out[rows[i:i + k]] = np.asarray(net.predict_on_batch(chunk))[:k]
    out[immobile] = np.nan
    _warn_immobile(immobile, what)
    return out, was_1d


@functools.lru_cache(maxsize=None)
def _andi_meta() -> dict:
    import json

    path = _DATA / "andi_1d.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _andi_probabilities(out):
    """Model probabilities (N, 5) from the raw outputs of the any-model network (softmax)."""
    logits = out[:, : len(MODELS)]
    with np.errstate(invalid="ignore"):
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def _andi_std(out, calibration=None):
    """Calibrated predictive std (N,) from the raw outputs of the any-model network.

    ``e^{s/2}`` (s: the log-variance output) times the factor of the trajectory's confidence
    bin (the largest model probability, binned at ``calibration["confidence_edges"]``);
    ``calibration`` defaults to the shipped one (``"std_calibration"`` in andi_1d.json).
    """
    cal = _andi_meta()["std_calibration"] if calibration is None else calibration
    scales = np.asarray(cal["scales"], dtype=float)
    bins = _andi_confidence_bins(out, cal["confidence_edges"])
    return np.exp(0.5 * np.clip(out[:, len(MODELS) + 1], -10.0, 4.0)) * scales[bins]


def _andi_confidence_bins(out, edges):
    """Bin (0..len(edges)) of each row's largest model probability; NaN rows go to bin 0."""
    confidence = _andi_probabilities(out).max(axis=1)
    return np.searchsorted(np.asarray(edges), np.nan_to_num(confidence))


def predict_model(trajs):
    """Probabilities that each trajectory comes from each of the five models.

    Parameters
    ----------
    trajs : array_like, shape (N, T) or (T,), or list of 1-D arrays
        Raw positions, any scale, one-dimensional. Trajectories of unequal lengths: a list of
        arrays, or an array padded with NaN at the end. At least 10 points each (trained on
        10 to 1000; longer ones are accepted). NaN between valid points is a ValueError.

    Returns
    -------
    ndarray, shape (N, 5)
        Probabilities over :data:`anomdiff.MODELS` (``("attm", "ctrw", "fbm", "lw", "sbm")``);
        rows sum to 1. Shape (5,) for one trajectory of shape (T,). Immobile trajectories
        (all positions equal) give a row of NaN and one ``RuntimeWarning``.

    Raises
    ------
    ValueError
        Fewer than 10 points, an all-NaN trajectory, gaps, or d-dimensional input (these
        networks are 1-D: pass one component at a time).

    See Also
    --------
    predict_alpha : the exponent from the same network.
    anomdiff.displacements : the classical signatures that tell the models apart.

    Notes
    -----
    The network (shipped as ``"andi_1d"``: :func:`build_andi_ensemble` of two
    :func:`build_andi_network`, trained independently) was trained on the five simulators of
    this library with randomized nuisance parameters (lengths 10..1000, CTRW ``tau0`` over
    two decades, Lévy walks in and out of equilibrium, the ATTM's diffusivity exponent,
    Gaussian localization noise of std up to 1.2 times the step std of the track or of a
    longer stretch of it), so that it does not rely on quirks of one generator. On the AnDi-1
    protocol in 1-D (``benchmarks/andi_protocol.py``: 10 000 tracks, noise of 0.1, 0.5 or 1
    step std of a 1000-point trajectory that is then cut to 10..1000 points) the micro-F1 is
    0.854 (two seeds): 0.62 for 10-50 points, 0.89 for 501-1000; ATTM and CTRW are the pair
    most often confused (15 % of ATTM tracks are called CTRW, 13 % the other way), and
    FBM/SBM the next. On the AnDi challenge's own generator
    (``benchmarks/andi_datasets_check.py``) it reaches 0.80: its ATTM differs most from this
    library's. Scores on held-out tracks are in ``anomdiff/data/andi_1d.json``.

    Examples
    --------
    >>> import anomdiff as ad
    >>> p = predict_model([ad.simulate("ctrw", 500, 0.4, rng=0)[0], ad.simulate("lw", 80, 1.8, rng=1)[0]])
    >>> p.shape, bool(np.allclose(p.sum(axis=1), 1))
    ((2, 5), True)
    """
    out, was_1d = _andi_outputs(trajs, "model probabilities")
    prob = _andi_probabilities(out)
    return prob[0] if was_1d else prob
