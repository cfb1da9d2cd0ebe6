"""Physical units: the library computes in frames and position units; these convert.

Every analysis function takes and returns times in frames (lags are integers) and positions
in the units of its input (pixels, or micrometres if the tracking table is calibrated).
Convert once, at the end, for reporting:

* times: :math:`t = Δ \\, δt` with :math:`δt` the frame interval (s);
* MSDs: :math:`\\mathrm{MSD} \\, a^2` with a the pixel size (µm per position unit);
* generalized diffusivities :math:`K` (MSD :math:`= 2 d K Δ^α`, position² / frame^α):
  :math:`K \\, a^2 / δt^α` in µm²/s^α.

:func:`anomdiff.tracks_from_dataframe` can apply the pixel size while reading, so that
positions are in µm from the start and only the frame interval is left to convert.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_positive

__all__ = ["to_physical", "diffusivity_to_physical"]


def _array(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected numbers or an array of numbers, got {values!r}.") from None
    return arr


def to_physical(lags, msd, *, frame_interval, pixel_size=1.0):
    """Convert lags (frames) and MSD values (position units²) to seconds and µm².

    Parameters
    ----------
    lags : array_like
        Lags or times in frames.
    msd : array_like
        MSD values (TA-MSD, EA-MSD or TEA-MSD) in squared position units.
    frame_interval : float
        Time between consecutive frames, in seconds (> 0).
    pixel_size : float, default 1.0
        Length of one position unit in µm (> 0); 1.0 if the positions are already in µm.

    Returns
    -------
    t : ndarray
        ``lags * frame_interval`` (s).
    msd : ndarray
        ``msd * pixel_size**2`` (µm²).

    See Also
    --------
    diffusivity_to_physical : The same conversion for a fitted diffusivity.
    anomdiff.tamsd : TA-MSDs in frames and position units.

    Notes
    -----
    Units only rescale the axes of a log-log MSD plot, so the exponent α does not depend on
    them, while the prefactor does (see :func:`diffusivity_to_physical`).

    Examples
    --------
    >>> t, m = to_physical([1, 2, 4], [0.5, 1.0, 2.0], frame_interval=0.01, pixel_size=0.16)
    >>> t.tolist(), m.round(6).tolist()
    ([0.01, 0.02, 0.04], [0.0128, 0.0256, 0.0512])
    """
    dt = as_positive(frame_interval, "frame_interval")
    a = as_positive(pixel_size, "pixel_size")
    return _array(lags, "lags") * dt, _array(msd, "msd") * a**2


def diffusivity_to_physical(K, alpha, *, frame_interval, pixel_size=1.0):
    """Convert a generalized diffusivity from position²/frame^α to µm²/s^α.

    Parameters
    ----------
    K : float or array_like
        Generalized diffusivities in position units² / frame^α, as returned by
        :func:`anomdiff.fit_alpha` with ``return_diffusivity=True`` (MSD :math:`= 2 d K Δ^α`).
    alpha : float or array_like
        The exponents that go with ``K`` (broadcast against it).
    frame_interval, pixel_size : float
        Seconds per frame and µm per position unit, as in :func:`to_physical`.

    Returns
    -------
    ndarray or float
        :math:`K a^2 / δt^α` in µm²/s^α (a float for scalar input).

    See Also
    --------
    to_physical : Convert lags and MSD values.
    anomdiff.fit_alpha : Fits α and K.

    Notes
    -----
    With :math:`Δ = t / δt` frames and positions :math:`x = r / a`,
    :math:`\\langle r^2 \\rangle = a^2 \\, 2 d K (t / δt)^α = 2 d (K a^2 / δt^α) \\, t^α`.
    The unit of K depends on α, so diffusivities of tracks with different exponents are not
    comparable numbers [1]_.

    References
    ----------
    .. [1] R. Metzler, J.-H. Jeon, A. G. Cherstvy and E. Barkai, Phys. Chem. Chem. Phys. 16,
       24128 (2014), doi:10.1039/C4CP03465A.

    Examples
    --------
    >>> round(diffusivity_to_physical(0.5, 1.0, frame_interval=0.01, pixel_size=0.1), 12)
    0.5
    >>> round(diffusivity_to_physical(0.5, 0.5, frame_interval=0.01, pixel_size=0.1), 12)
    0.05
    """
    dt = as_positive(frame_interval, "frame_interval")
    a = as_positive(pixel_size, "pixel_size")
    k, al = _array(K, "K"), _array(alpha, "alpha")
    out = k * a**2 / dt**al
    return float(out) if out.ndim == 0 else out
