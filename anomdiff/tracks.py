"""Real tracking data: tables of spots (trackpy, TrackMate) <-> NaN-padded trajectory arrays.

A tracking table has one row per detected spot: a particle (track) id, a frame number and
the coordinates. :func:`tracks_from_dataframe` turns it into the (N, T, d) arrays every
analysis function takes, with NaN where a track has no spot (a missed frame, or the end of a
shorter track); :func:`tracks_to_dataframe` goes back. :func:`example_tracks` loads a real
dataset shipped with the package. pandas is needed here only (``pip install "anomdiff[data]"``).
"""

from __future__ import annotations

from importlib import resources

import numpy as np

try:
    import pandas as pd
except ImportError as err:  # pragma: no cover - exercised only without pandas
    raise ImportError(
        'anomdiff.tracks needs pandas: pip install "anomdiff[data]" (or pip install pandas).'
    ) from err

from ._validate import as_int, as_positive, as_trajectory_set

__all__ = ["tracks_from_dataframe", "tracks_to_dataframe", "example_tracks"]

#: Largest array :func:`tracks_from_dataframe` builds, in bytes (a few very long tracks among
#: many short ones pad every row to the longest).
MAX_ARRAY_BYTES = 2 * 2**30


def _column_names(pos, name: str) -> list:
    if isinstance(pos, str):
        return [pos]
    try:
        cols = list(pos)
    except TypeError:
        raise TypeError(f"{name}: expected a column name or a sequence of column names, got {pos!r}.") from None
    if not cols:
        raise ValueError(f"{name}: expected at least one coordinate column.")
    return cols


def tracks_from_dataframe(df, *, particle="particle", frame="frame", pos=("x", "y"),
                          pixel_size=1.0, min_length=1):
    """Turn a tracking table into a NaN-padded array of trajectories.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per spot. trackpy's column names are the defaults; for a TrackMate spot
        table pass ``particle="TRACK_ID", frame="FRAME", pos=("POSITION_X", "POSITION_Y")``
        (TrackMate's CSV export has three header lines below the column names: read it with
        ``pandas.read_csv(path, skiprows=[1, 2, 3])``).
    particle : str, default "particle"
        Column of track ids. Rows without an id (NaN, e.g. TrackMate spots not in any
        track) are dropped.
    frame : str, default "frame"
        Column of integer frame numbers.
    pos : str or sequence of str, default ("x", "y")
        Coordinate columns (d of them). One column name (a str) gives 1-D trajectories.
    pixel_size : float, default 1.0
        Multiplies the positions, e.g. µm per pixel for a table in pixels (trackpy), so that
        the result is in µm; leave 1.0 for a table already in µm (TrackMate calibrated).
    min_length : int, default 1
        Keep only tracks with at least this many spots.

    Returns
    -------
    trajs : ndarray, shape (N, T, d), or (N, T) for one coordinate column
        Positions, row i for track ``ids[i]``; time index 0 is the track's first frame, and
        T is the longest track's span in frames. NaN where a track has no spot.
    ids : ndarray, shape (N,)
        The track ids, sorted.

    Raises
    ------
    ValueError
        If a column is missing, a track has two spots in one frame (naming the track),
        frame numbers are not integers, or the array would exceed 2 GiB.

    See Also
    --------
    tracks_to_dataframe : The inverse.
    example_tracks : A real tracking table in trackpy's layout.
    anomdiff.tamsd : TA-MSDs of the result (NaN-aware).
    anomdiff.units.to_physical : Lags in frames to seconds.

    Notes
    -----
    Frames are counted from each track's own first frame, so every trajectory starts with a
    valid point (its :math:`x_0`, as :func:`anomdiff.eamsd` needs) and missed frames inside
    a track become NaN gaps. Absolute start frames are
    ``df.groupby(particle)[frame].min()``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"particle": [7, 7, 7, 3, 3], "frame": [10, 11, 13, 4, 5],
    ...                    "x": [0.0, 1.0, 3.0, 5.0, 6.0], "y": [0.0, 0.0, 0.0, 1.0, 1.0]})
    >>> trajs, ids = tracks_from_dataframe(df)
    >>> trajs.shape, ids.tolist()
    ((2, 4, 2), [3, 7])
    >>> trajs[1, :, 0].tolist()
    [0.0, 1.0, nan, 3.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}.")
    cols = _column_names(pos, "pos")
    for arg, col in [("particle", particle), ("frame", frame)] + [("pos", c) for c in cols]:
        if col not in df.columns:
            raise ValueError(
                f"{arg}: no column {col!r} in the table; its columns are {list(df.columns)}. "
                "For a TrackMate spot table pass particle='TRACK_ID', frame='FRAME', "
                "pos=('POSITION_X', 'POSITION_Y')."
            )
    pixel_size = as_positive(pixel_size, "pixel_size")
    min_length = as_int(min_length, "min_length", 1)
    codes, ids = pd.factorize(df[particle], sort=True)
    keep = codes >= 0  # no track id: an untracked spot
    codes = codes[keep]
    try:
        frames = pd.to_numeric(df[frame]).to_numpy(dtype=np.float64)[keep]
        xyz = df[cols].apply(pd.to_numeric).to_numpy(dtype=np.float64)[keep]
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"frame/pos: columns {[frame] + cols} must be numeric ({err}). A TrackMate CSV "
            "has header lines to skip: pandas.read_csv(path, skiprows=[1, 2, 3])."
        ) from None
    if codes.size == 0:
        raise ValueError(f"df: no spot with a track id in column {particle!r}.")
    if not np.all(np.isfinite(frames)) or np.any(frames != np.round(frames)):
        raise ValueError(f"frame: column {frame!r} must hold integer frame numbers.")
    frames = frames.astype(np.int64)
    n_tracks = len(ids)
    first = np.full(n_tracks, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, frames)
    rel = frames - first[codes]
    length = np.bincount(codes, minlength=n_tracks)
    span = np.zeros(n_tracks, dtype=np.int64)
    np.maximum.at(span, codes, rel + 1)
    key = codes * (span.max()) + rel
    uniq, counts = np.unique(key, return_counts=True)
    if np.any(counts > 1):
        bad = int(uniq[counts > 1][0] // span.max())
        raise ValueError(
            f"frame: track {ids[bad]!r} ({particle}) has more than one spot in frame "
            f"{int(first[bad] + uniq[counts > 1][0] % span.max())}; a track has one spot per frame."
        )
    kept = np.flatnonzero(length >= min_length)
    if kept.size == 0:
        raise ValueError(f"min_length: no track has {min_length} or more spots (longest: {length.max()}).")
    new = np.full(n_tracks, -1)
    new[kept] = np.arange(kept.size)
    sel = new[codes] >= 0
    T, d = int(span[kept].max()), len(cols)
    need = kept.size * T * d * 8
    if need > MAX_ARRAY_BYTES:
        raise ValueError(
            f"df: the padded array would need {need / 2**30:.1f} GiB ({kept.size} tracks x {T} "
            "frames); select tracks (min_length, or a shorter time window) first."
        )
    out = np.full((kept.size, T, d), np.nan)
    out[new[codes[sel]], rel[sel]] = xyz[sel] * pixel_size
    ids = np.asarray(ids)[kept]
    return (out[:, :, 0] if isinstance(pos, str) else out), ids


def tracks_to_dataframe(trajs, *, ids=None, first_frames=None, frame_interval=None,
                        particle="particle", frame="frame", pos=None):
    """Turn trajectories into a tracking table, one row per valid point.

    Parameters
    ----------
    trajs : array_like, shape (N, T), (N, T, d) or (T,), or list of arrays
        Positions; NaN marks a missing point (no row is written for it).
    ids : array_like, shape (N,), optional
        Track ids; default 0..N-1.
    first_frames : array_like of int, shape (N,), optional
        Frame number of each trajectory's index 0; default 0.
    frame_interval : float, optional
        If given, a column ``"t"`` holds the time ``frame * frame_interval`` (s).
    particle : str, default "particle"
        Name of the track id column (``"TRACK_ID"`` for TrackMate).
    frame : str, default "frame"
        Name of the frame column (``"FRAME"`` for TrackMate).
    pos : sequence of str, optional
        Names of the d coordinate columns; default ``("x", "y", "z")[:d]`` (``"x"`` for 1-D
        input; ``("POSITION_X", "POSITION_Y")`` for TrackMate).

    Returns
    -------
    pandas.DataFrame
        Columns particle, frame, (t,) then the coordinates; sorted by particle, then frame.

    See Also
    --------
    tracks_from_dataframe : The inverse.

    Notes
    -----
    ``tracks_from_dataframe(tracks_to_dataframe(x))`` gives back ``x`` for trajectories
    whose first point is valid (the reader counts frames from each track's first spot).

    Examples
    --------
    >>> import numpy as np
    >>> tracks_to_dataframe([[0.0, np.nan, 2.0]], frame_interval=0.5)
       particle  frame    t    x
    0         0      0  0.0  0.0
    1         0      2  1.0  2.0
    """
    ts = as_trajectory_set(trajs, min_length=1)
    x = ts.x
    N, T, d = x.shape
    if pos is None:
        pos = ["x"] if ts.dim1 else (["x", "y", "z"][:d] if d <= 3 else [f"x{k}" for k in range(d)])
    pos = _column_names(pos, "pos")
    if len(pos) != d:
        raise ValueError(f"pos: expected {d} column names (one per coordinate), got {pos}.")
    if ids is None:
        ids = np.arange(N)
    ids = np.asarray(ids)
    if ids.shape != (N,):
        raise ValueError(f"ids: expected one id per trajectory ({N}), got shape {ids.shape}.")
    if first_frames is None:
        first_frames = np.zeros(N, dtype=np.int64)
    try:
        first_frames = np.broadcast_to(np.asarray(first_frames), (N,))
    except ValueError:
        raise ValueError(f"first_frames: expected one frame number per trajectory ({N}).") from None
    if first_frames.dtype.kind not in "iu":
        raise TypeError(f"first_frames: expected integer frame numbers, got {first_frames.dtype}.")
    row, t = np.nonzero(~np.isnan(x[:, :, 0]))  # row-major: sorted by trajectory, then time
    frames = first_frames[row].astype(np.int64) + t
    data = {particle: ids[row], frame: frames}
    if frame_interval is not None:
        data["t"] = frames * as_positive(frame_interval, "frame_interval")
    for k, col in enumerate(pos):
        data[col] = x[row, t, k]
    return pd.DataFrame(data)


def example_tracks():
    """A real single-particle tracking dataset: 2-D live-cell tracks, trackpy layout.

    Returns
    -------
    pandas.DataFrame
        One row per spot, sorted by particle then frame, with columns

        - ``particle`` (int): track id;
        - ``frame`` (int): frame number;
        - ``x``, ``y`` (float): position in pixels.

    See Also
    --------
    tracks_from_dataframe : Turn the table into trajectories.

    Notes
    -----
    See ``anomdiff/data/README.md`` for the source, licence, acquisition and units.

    Examples
    --------
    >>> df = example_tracks()
    >>> list(df.columns)
    ['particle', 'frame', 'x', 'y']
    """
    path = resources.files("anomdiff") / "data" / "example_tracks.csv.gz"
    with resources.as_file(path) as p:
        return pd.read_csv(p)
