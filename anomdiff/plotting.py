"""Matplotlib helpers shared by the chapters: log-log MSD plots with theory guide lines, EB(t).

matplotlib is imported when a helper is called, not when :mod:`anomdiff` is imported.
Every theory line comes from :mod:`anomdiff.theory`; nothing here holds a physical law.
"""

from __future__ import annotations

import numpy as np

from . import theory

#: One color per model, used by every chapter.
MODEL_COLORS = {"attm": "#8c564b", "ctrw": "#d62728", "fbm": "#1f77b4", "lw": "#2ca02c", "sbm": "#9467bd"}


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(5, 3.6))
    return ax


def _curve(ax, t, values):
    """The axes to draw on (a new one if None) and the curve ``t``, ``values`` as floats."""
    return _axes(ax), np.asarray(t, dtype=np.float64), np.asarray(values, dtype=np.float64)


def guide_line(ax, t, slope, through, **style):
    """Draw the power law ``c * t**slope`` through a given point, as a guide to the eye.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes to draw on.
    t : array_like
        Abscissae of the line (times or lags, > 0 on log axes).
    slope : float
        Exponent of the power law (the slope on log-log axes).
    through : tuple of float
        A point ``(t0, y0)`` the line passes through; ``c = y0 / t0**slope``.
    **style
        Line properties passed to :meth:`matplotlib.axes.Axes.plot`; the default is a thin
        gray dotted line.

    Returns
    -------
    list of matplotlib.lines.Line2D
        The line drawn, as returned by ``ax.plot``.

    See Also
    --------
    loglog_msd : an MSD plot that draws a slope-1 guide with this function.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> lines = guide_line(ax, [1, 10, 100], -1.0, (1, 2.0), label="slope -1")
    >>> float(lines[0].get_ydata()[-1])
    0.02
    """
    t = np.asarray(t, dtype=np.float64)
    t0, y0 = through
    kwargs = {"color": "gray", "lw": 1, "ls": ":"}
    kwargs.update(style)
    return ax.plot(t, y0 * (t / t0) ** slope, **kwargs)


def loglog_msd(t, msd, *, model=None, alpha=None, ax=None, label="simulation", color=None):
    """Log-log MSD plot with the theory law of ``model`` at ``alpha`` and a slope-1 guide.

    Parameters
    ----------
    t : array_like, shape (L,)
        Times or lags; only points with ``t > 0`` and ``msd > 0`` are drawn.
    msd : array_like, shape (L,)
        MSD values at ``t`` (EA-MSD, TA-MSD or TEA-MSD).
    model : str, optional
        A model name of :data:`anomdiff.MODELS`. With ``alpha``, its ensemble MSD law
        :func:`anomdiff.theory.msd` is drawn (no fitted prefactor).
    alpha : float, optional
        The anomalous exponent for the theory line.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if None.
    label : str, default "simulation"
        Legend label of the data points.
    color : str, optional
        Color of the data points.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on.

    See Also
    --------
    anomdiff.theory.msd : the ensemble MSD laws.
    guide_line : the slope-1 guide.

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 200, 0.6, 50, rng=0)
    >>> ax = loglog_msd(range(200), ad.eamsd(x), model="fbm", alpha=0.6)
    >>> ax.get_xscale()
    'log'
    """
    ax, t, msd = _curve(ax, t, msd)
    keep = (t > 0) & (msd > 0)
    ax.loglog(t[keep], msd[keep], "o", ms=3, label=label, color=color)
    if model is not None and alpha is not None and keep.any():
        ax.loglog(t[keep], theory.msd(model, t[keep], alpha), "k-", lw=1.2,
                  label=rf"theory ($\alpha$ = {alpha:g})")
    if keep.any():
        mid = keep.nonzero()[0][len(keep.nonzero()[0]) // 2]
        guide_line(ax, t[keep], 1.0, (t[mid], msd[mid] / 3), label="slope 1")
    ax.set_xlabel("time or lag")
    ax.set_ylabel("MSD")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_eb(t, eb_values, *, model=None, alpha=None, lag=None, ax=None, label="EB(t)",
            color=None):
    """EB(t) against the cut length on log-log axes, with its theory and limit if asked.

    Parameters
    ----------
    t : array_like, shape (L,)
        Cut lengths (as returned by :func:`anomdiff.eb`).
    eb_values : array_like, shape (L,)
        EB at those lengths; values <= 0 or NaN are not drawn.
    model : str, optional
        A model of :data:`anomdiff.MODELS`. With ``alpha``, the limit
        :func:`anomdiff.theory.eb_limit` is drawn (dashed, when it is not 0) and, if ``lag``
        is given too, the finite-length theory :func:`anomdiff.theory.eb` (solid).
    alpha : float, optional
        The anomalous exponent for the theory lines.
    lag : int, optional
        The lag Δ at which ``eb_values`` were computed (needed for the finite-t theory).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made if None.
    label : str, default "EB(t)"
        Legend label of the measured curve.
    color : str, optional
        Color of the measured curve (default: the model's color, if a model is given).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, or the new axes if it was None.

    See Also
    --------
    anomdiff.eb : EB(t) of a set of trajectories for every cut length.
    anomdiff.theory.eb : EB at finite length.
    anomdiff.theory.eb_limit : its limit t -> infinity.

    Examples
    --------
    >>> import anomdiff as ad
    >>> t, e = ad.eb(ad.simulate("ctrw", 300, 0.5, 100, rng=0), 2)
    >>> ax = plot_eb(t, e, model="ctrw", alpha=0.5, lag=2)
    >>> ax.get_yscale()
    'log'
    """
    ax, t, values = _curve(ax, t, eb_values)
    if color is None and model is not None:
        color = MODEL_COLORS.get(model)
    keep = np.isfinite(values) & (values > 0)
    ax.loglog(t[keep], values[keep], label=label, color=color)
    if model is not None and alpha is not None:
        if lag is not None:
            ax.loglog(t, theory.eb(model, alpha, lag, t), "k-", lw=1,
                      label=rf"theory.eb, $\alpha$ = {alpha:g}")
        limit = float(theory.eb_limit(model, alpha))
        if limit > 0:
            ax.axhline(limit, color="k", ls="--", lw=1, label=f"limit {limit:.3g}")
    ax.set_xlabel("trajectory length t")
    ax.set_ylabel("EB")
    ax.legend(frameon=False, fontsize=8)
    return ax
