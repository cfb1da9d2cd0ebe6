"""Matplotlib helpers shared by the chapters: log-log MSD plots with theory guide lines, EB(t).

matplotlib is imported when a helper is called, not when :mod:`anomdiff` is imported.
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


def guide_line(ax, t, slope, through, **style):
    """Draw ``c * t**slope`` passing through the point ``through = (t0, y0)``."""
    t = np.asarray(t, dtype=np.float64)
    t0, y0 = through
    kwargs = {"color": "gray", "lw": 1, "ls": ":"}
    kwargs.update(style)
    return ax.plot(t, y0 * (t / t0) ** slope, **kwargs)


def loglog_msd(t, msd, *, model=None, alpha=None, ax=None, label="simulation", color=None):
    """Log-log MSD plot with the theory line of ``model`` at ``alpha`` and a slope-1 guide.

    Parameters
    ----------
    t : array_like
        Times or lags (> 0 are plotted).
    msd : array_like
        MSD values at ``t``.
    model, alpha : optional
        If both are given, :func:`anomdiff.theory.msd` is drawn (no fitted prefactor).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import anomdiff as ad
    >>> x = ad.simulate("fbm", 200, 0.6, 50, rng=0)
    >>> ax = loglog_msd(range(200), ad.eamsd(x), model="fbm", alpha=0.6)
    """
    ax = _axes(ax)
    t = np.asarray(t, dtype=np.float64)
    msd = np.asarray(msd, dtype=np.float64)
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


def plot_eb(t, eb_values, *, alpha=None, ax=None, label="EB(t)", color=None):
    """EB(t) against the cut length, with the CTRW limit ``theory.eb_ctrw(alpha)`` if given.

    Examples
    --------
    >>> import anomdiff as ad
    >>> t, e = ad.eb(ad.simulate("ctrw", 300, 0.5, 100, rng=0), 2)
    >>> ax = plot_eb(t, e, alpha=0.5)
    """
    ax = _axes(ax)
    ax.semilogx(t, eb_values, label=label, color=color)
    if alpha is not None:
        ax.axhline(float(theory.eb_ctrw(alpha)), color="k", ls="--", lw=1,
                   label=rf"CTRW limit, $\alpha$ = {alpha:g}")
    ax.set_xlabel("trajectory length t")
    ax.set_ylabel("EB")
    ax.legend(frameon=False, fontsize=8)
    return ax
