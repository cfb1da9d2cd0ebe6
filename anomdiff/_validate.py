"""Input checks shared by the library: each raises a clear ``ValueError``/``TypeError``."""

from __future__ import annotations

import numbers
from typing import NamedTuple

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
    if isinstance(value, (bool, np.bool_)):  # True is an Integral, but never a size
        raise TypeError(f"{name}: expected an integer >= {minimum}, got {value!r}.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"{name}: expected an integer >= {minimum}, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}.")
    return int(value)


class TrajectorySet(NamedTuple):
    """A validated set of trajectories (what :func:`as_trajectory_set` returns).

    ``x`` is a float64 array of shape (N, T, d), NaN where a point is missing; ``single``
    tells that the input was one trajectory of shape (T,) (squeeze results), ``dim1`` that
    it had no component axis (1-D positions), ``gaps`` that some point is missing.
    """

    x: np.ndarray
    single: bool
    dim1: bool
    gaps: bool

    def restore(self, arr: np.ndarray) -> np.ndarray:
        """Give an (N, T, d) result the layout of the input ((T,), (N, T) or (N, T, d))."""
        if self.dim1:
            arr = arr[..., 0]
        return arr[0] if self.single else arr


def _as_float_array(item, name: str) -> np.ndarray:
    """One array-like -> float64 array; masked points become NaN; bool/complex/text rejected."""
    if isinstance(item, np.ma.MaskedArray):
        if item.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected real positions, got a masked array of {item.dtype}.")
        return np.ma.filled(item.astype(np.float64), np.nan)
    arr = np.asarray(item)
    if arr.dtype.kind == "O":
        arr = np.asarray(item, dtype=np.float64)  # numbers stored as objects; text raises here
    if arr.dtype.kind not in "iuf":
        what = {"b": "booleans", "c": "complex numbers"}.get(arr.dtype.kind, f"dtype {arr.dtype}")
        raise TypeError(f"{name}: expected real-valued positions, got {what}.")
    return np.asarray(arr, dtype=np.float64)  # no copy for float64 input


def _ragged(trajs, name: str) -> np.ndarray:
    """A list of arrays of unequal length -> a NaN-padded (N, T_max[, d]) array."""
    rows = []
    for i, item in enumerate(trajs):
        try:
            arr = _as_float_array(item, name)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name}: trajectory {i} is not a numeric array ({err}).") from None
        if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[1] == 0):
            raise ValueError(
                f"{name}: in a list of trajectories each must have shape (T_i,) or (T_i, d); "
                f"trajectory {i} has shape {arr.shape}."
            )
        rows.append(arr)
    ndims = {a.ndim for a in rows}
    dims = {a.shape[1] for a in rows if a.ndim == 2}
    if len(ndims) > 1 or len(dims) > 1:
        raise ValueError(
            f"{name}: the trajectories in a list must all be 1-D (T_i,) or all (T_i, d) with one d; "
            f"got shapes {sorted({a.shape[1:] for a in rows})}."
        )
    T = max(a.shape[0] for a in rows)
    out = np.full((len(rows), T) + rows[0].shape[1:], np.nan)
    for i, a in enumerate(rows):  # building the padded array (not a hot path)
        out[i, : a.shape[0]] = a
    return out


def as_trajectory_set(trajs, name: str = "trajs", min_length: int = 2, allow_single: bool = True,
                      allow_gaps: bool = True) -> TrajectorySet:
    """Validate a set of trajectories: the library's one entry point for positions.

    Accepted: an (N, T) array (N one-dimensional trajectories), an (N, T, d) array
    (d-dimensional), one trajectory of shape (T,) when ``allow_single``, or a list of arrays of
    unequal lengths (all (T_i,) or all (T_i, d)), padded at the end with NaN. A 2-D array is
    always read as (N, T): pass one d-dimensional trajectory ``y`` of shape (T, d) as
    ``y[None]``. NaN marks a missing point (a gap, or the end of a shorter track); a point with
    any NaN coordinate is missing as a whole. Masked points of a masked array become NaN.

    Raises ``TypeError`` for non-numeric, boolean or complex input and ``ValueError`` (naming
    ``name``) for a wrong shape, no trajectories, fewer than ``min_length`` time points,
    infinite positions, or a trajectory without any valid point (naming its index).
    """
    try:
        if isinstance(trajs, (list, tuple)) and any(isinstance(v, np.ma.MaskedArray) for v in trajs):
            x = _ragged(trajs, name)  # np.asarray would drop the masks
        else:
            x = _as_float_array(trajs, name)
    except ValueError as err:
        if not isinstance(trajs, (list, tuple)) or "inhomogeneous" not in str(err):
            raise TypeError(f"{name}: expected a numeric array of positions ({err}).") from None
        x = _ragged(trajs, name)  # a list of arrays of unequal length
    except TypeError as err:
        if str(err).startswith(name):
            raise
        raise TypeError(f"{name}: expected a numeric array of positions ({err}).") from None
    single = x.ndim == 1
    if single and allow_single:
        x = x[np.newaxis]
    if x.ndim not in (2, 3) or (x.ndim == 3 and x.shape[2] == 0):
        shapes = "(T,), (N, T) or (N, T, d)" if allow_single else "(N, T) or (N, T, d)"
        hint = " (one trajectory y of shape (T, d) is passed as y[None])" if x.ndim == 2 else ""
        raise ValueError(f"{name}: expected shape {shapes}{hint}, got an array of shape {x.shape}.")
    dim1 = x.ndim == 2
    if dim1:
        x = x[:, :, np.newaxis]
    N, T = x.shape[:2]
    if N == 0:
        raise ValueError(f"{name}: got no trajectories (shape {x.shape}).")
    if T < min_length:
        raise ValueError(f"{name}: trajectories need at least {min_length} time points, got {T}.")
    missing = np.isnan(x)
    if np.isinf(x).any():
        row = int(np.argwhere(np.isinf(x))[0, 0])
        raise ValueError(
            f"{name}: trajectory {row} has an infinite position; only finite values or NaN "
            "(a missing point) are allowed."
        )
    gaps = bool(missing.any())
    if gaps:
        if not allow_gaps:
            raise ValueError(f"{name}: contains NaN (missing) positions; this function needs complete trajectories.")
        point_missing = missing.any(axis=2)
        if x.shape[2] > 1 and (missing.all(axis=2) != point_missing).any():
            x = x.copy()  # never modify the caller's array
            x[point_missing] = np.nan
        empty = np.flatnonzero(point_missing.all(axis=1))
        if empty.size:
            raise ValueError(
                f"{name}: trajectory {int(empty[0])} has no valid point (all NaN)"
                + (f", and {empty.size - 1} more" if empty.size > 1 else "")
                + "; drop such trajectories first."
            )
    return TrajectorySet(x, bool(single and allow_single), dim1, gaps)


def as_trajectories(trajs, name: str = "trajs", min_length: int = 2, allow_1d: bool = True):
    """Return ``(x, was_1d)``: complete one-dimensional trajectories as an (N, T) array.

    The strict form of :func:`as_trajectory_set` for code that needs gapless 1-D input (no
    NaN, no component axis); ``was_1d`` tells the caller to squeeze its result.
    """
    ts = as_trajectory_set(trajs, name, min_length, allow_single=allow_1d, allow_gaps=False)
    if not ts.dim1:
        raise ValueError(
            f"{name}: expected one-dimensional positions, shape (T,) or (N, T); got shape "
            f"{ts.x.shape} (d = {ts.x.shape[2]}).")
    return ts.x[:, :, 0], ts.single


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


def as_positive(value, name: str) -> float:
    """A finite float > 0 (a frame interval, a pixel size); booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {value!r}.")
    value = float(value)
    if not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name}: expected a finite number > 0, got {value}.")
    return value
