"""Input checks shared by the library: each raises a clear ``ValueError``/``TypeError``."""

from __future__ import annotations

import numbers

import numpy as np


def as_rng(rng) -> np.random.Generator:
    """Return a Generator from an int seed, a Generator or None."""
    if rng is None or isinstance(rng, np.random.Generator):
        return rng if rng is not None else np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: a seed must be a non-negative int, got {rng}.")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng: expected an int seed, a numpy.random.Generator or None, got {type(rng).__name__}."
    )


def as_int(value, name: str, minimum: int) -> int:
    """Check that ``value`` is an integer >= ``minimum`` and return it as ``int``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}: expected an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}.")
    return int(value)


def as_trajectories(trajs, name: str = "trajs", min_length: int = 2, allow_1d: bool = True):
    """Return ``(x, was_1d)``: a finite float64 array of shape (N, T).

    One trajectory of shape (T,) is accepted when ``allow_1d``; ``was_1d`` tells the
    caller to squeeze its result.
    """
    try:
        x = np.asarray(trajs, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected a numeric array of positions, ({err}).") from None
    was_1d = x.ndim == 1
    if was_1d and allow_1d:
        x = x[np.newaxis, :]
    if x.ndim != 2:
        shapes = "(T,) or (N, T)" if allow_1d else "(N, T)"
        raise ValueError(f"{name}: expected shape {shapes}, got an array of shape {x.shape}.")
    if x.shape[0] == 0:
        raise ValueError(f"{name}: got no trajectories (shape {x.shape}).")
    if x.shape[1] < min_length:
        raise ValueError(
            f"{name}: trajectories need at least {min_length} time points, got {x.shape[1]}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: contains NaN or infinite positions; clean or drop them first.")
    return x, was_1d


def as_lags(lags, T: int, name: str = "lags") -> np.ndarray:
    """Integer lags 1 <= lag <= T - 1 as a 1-D int array."""
    arr = np.atleast_1d(np.asarray(lags))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name}: expected an int or a non-empty 1-D sequence of ints.")
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer)
        or (np.issubdtype(arr.dtype, np.floating) and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)))
    ):
        raise TypeError(f"{name}: expected integer lags, got {np.asarray(lags)!r}.")
    arr = arr.astype(np.int64)
    if arr.min() < 1 or arr.max() > T - 1:
        raise ValueError(
            f"{name}: every lag must satisfy 1 <= lag <= T - 1 = {T - 1}; got {arr.min()}..{arr.max()}."
        )
    return arr


def as_sigma(sigma, name: str = "sigma") -> float:
    """A finite, non-negative float (standard deviation)."""
    if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
        raise TypeError(f"{name}: expected a non-negative number, got {sigma!r}.")
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"{name}: expected a finite number >= 0 (a standard deviation), got {sigma}.")
    return sigma
