"""Interactive explorers used by the chapters: one function per demo, one call per chapter.

Each ``explore_*`` function builds a few sliders, draws its figure at the default values and
shows both: the sliders as an ipywidgets box, the figure as an ordinary image output with a
display handle (``display(fig, display_id=True)``). Moving a slider redraws the figure and
updates that handle. So the static book shows the default figure as a plain PNG (no
JavaScript needed), while JupyterLab, Notebook, Binder, Colab and VS Code update it live.
Figures are never drawn inside an ``ipywidgets.Output`` (which a static page cannot show).

Every function returns an :class:`Demo`, which tests can drive without a notebook::

    demo = explore_models(show=False)
    demo.sliders["alpha"].value = demo.sliders["alpha"].max   # redraws
    demo.redraws, demo.figure, demo.png(), demo.seconds

Seeds are fixed per demo, so the same slider values always give the same figure.
matplotlib and ipywidgets are imported here only, never by ``import anomdiff``.
"""

from __future__ import annotations

import html
import io
import time
import warnings
from contextlib import contextmanager

import numpy as np

from . import theory
from .datasets import add_localization_noise
from .ergodicity import eb
from .models import MODELS, admits, alpha_range, model_name, simulate
from .msd import eamsd, fit_alpha, tamsd, teamsd

__all__ = [
    "Demo",
    "explore_models",
    "explore_fits",
    "explore_noise",
    "explore_ergodicity",
    "explore_ageing",
    "explore_cnn",
    "explore_classifier",
]

#: Seed used for every redraw (same slider values, same figure).
SEED = 20240611

#: Step of the exponent sliders.
ALPHA_STEP = 0.05
#: Margin kept from an open end of a model's exponent range (FBM never reaches 2).
ALPHA_MARGIN = 0.1


def _slider_alpha_range(model):
    """Slider ends for ``model``: its admitted range (:func:`anomdiff.alpha_range`), with
    ALPHA_MARGIN kept from an open end."""
    low, high = alpha_range(model)
    lo = low if admits(model, low) else low + ALPHA_MARGIN
    hi = high if admits(model, high) else high - ALPHA_MARGIN
    return (round(lo, 10), round(hi, 10))


#: Exponent slider ends per model, derived from the model ranges.
SLIDER_ALPHA = {m: _slider_alpha_range(m) for m in MODELS}

_STATIC_NOTE = (
    "Interactive demo with sliders: {names}.\n"
    "The figure below shows the default values; run this page in\n"
    "Jupyter, Binder or Colab to move the sliders."
)


def _shell_active() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    return get_ipython() is not None


def _enable_inline_png(shell):
    """Make sure figures display as PNG in a kernel that has not drawn with pyplot yet.

    With matplotlib's lazy backend resolution the inline backend registers its PNG formatter
    only when the first pyplot figure is made; our figures bypass pyplot. Other backends
    (e.g. ipympl) are left alone.
    """
    import matplotlib
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters.get("image/png")
    if png is None or Figure in png.type_printers:
        return
    backend = str(matplotlib.get_backend())
    if "inline" not in backend.lower():
        return
    try:
        import matplotlib_inline.backend_inline as inline  # importing it registers the formatter
    except ImportError:  # pragma: no cover
        return
    if Figure not in png.type_printers:
        inline.configure_inline_support(shell, backend)


def _figure(ncols=2, width=9.5, height=3.6):
    """A figure not registered with pyplot, so the inline backend never shows it twice."""
    from matplotlib.figure import Figure

    # Fixed margins: constrained layout would double the drawing time of every redraw.
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(1, ncols)
    fig.subplots_adjust(left=0.075, right=0.985, bottom=0.15, top=0.9, wspace=0.25)
    return fig, axes


def _logspaced(start, stop, num=40):
    """Unique integers, roughly log-spaced, in [start, stop]."""
    return np.unique(np.geomspace(start, stop, num).round().astype(int))


#: Longest T for which the demos compute the FBM Cramér-Rao bound exactly; the cost grows
#: as T**3 (about 2 s at T = 2000), too slow for a slider.
CRLB_EXACT_MAX_T = 500


def _crlb(alpha, T):
    """(bound, label): exact up to CRLB_EXACT_MAX_T, else scaled as T**-1/2 from there.

    The scaling is within 1 % of the exact bound for alpha <= 1.5 (about 10 % at 1.9).
    """
    if T <= CRLB_EXACT_MAX_T:
        return float(theory.fbm_crlb(alpha, T)), "Cramér-Rao bound"
    bound = float(theory.fbm_crlb(alpha, CRLB_EXACT_MAX_T)) * np.sqrt(CRLB_EXACT_MAX_T / T)
    return bound, "≈ Cramér-Rao bound (scaled)"


def _controls_class():
    import ipywidgets as w

    class Controls(w.VBox):
        """The demo's sliders; in a static page its text is shown instead of the widget."""

        note = ""

        def _repr_mimebundle_(self, **kwargs):
            data = super()._repr_mimebundle_(**kwargs)
            data["text/plain"] = self.note
            # A static page without widget JavaScript shows this (wrapped, unlike text/plain).
            data["text/html"] = "<p><em>" + html.escape(" ".join(self.note.split())) + "</em></p>"
            return data

    return Controls


class Demo:
    """A figure redrawn from slider values.

    Parameters
    ----------
    name : str
        Name of the demo (the ``explore_*`` function that builds it).
    sliders : dict of str -> ipywidgets.ValueWidget
        The controls, keyed by the keyword argument of ``draw`` they set.
    draw : callable
        ``draw(**values) -> matplotlib.figure.Figure``: the figure for the slider values.
    before_redraw : callable, optional
        ``before_redraw(demo, change)``, called on a change before the redraw (e.g. to move
        the exponent slider into the new model's range); its own slider changes do not
        redraw.
    show : bool, default True
        Display the sliders and the figure at once (only inside IPython).

    Attributes
    ----------
    name : str
        The function that built it, e.g. ``"explore_models"``.
    sliders : dict of str -> ipywidgets widget
        Every control, by the name of the parameter it sets. Setting ``.value`` redraws.
    controls : ipywidgets.VBox
        The box holding the sliders (what the notebook shows above the figure).
    figure : matplotlib.figure.Figure
        The current figure.
    redraws : int
        How many times the figure was drawn (1 after creation).
    seconds : float
        Wall time of the last redraw (simulation + drawing, without PNG encoding).
    handle : IPython.display.DisplayHandle or None
        The figure's display handle once shown in a notebook.

    See Also
    --------
    explore_models, explore_ergodicity : demos built on this class.

    Examples
    --------
    >>> import ipywidgets as w
    >>> from matplotlib.figure import Figure
    >>> def draw(a):
    ...     fig = Figure()
    ...     fig.subplots().plot([0, 1], [0, a])
    ...     return fig
    >>> demo = Demo("line", {"a": w.FloatSlider(value=1.0, min=0, max=2)}, draw, show=False)
    >>> demo.sliders["a"].value = 2.0
    >>> demo.redraws, demo.values
    (2, {'a': 2.0})
    """

    def __init__(self, name, sliders, draw, *, before_redraw=None, show=True):
        self.name = name
        self.sliders = dict(sliders)
        self._draw = draw
        self._before = before_redraw
        self._hold = False
        self._adjusting = False
        self.redraws = 0
        self.seconds = float("nan")
        self.figure = None
        self.handle = None
        self._shown = False
        self.controls = _controls_class()(children=list(self.sliders.values()))
        self.controls.note = _STATIC_NOTE.format(names=", ".join(self.sliders))
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        self.redraw()
        if show:
            self.show()

    @property
    def values(self) -> dict:
        """Current slider values, by name."""
        return {k: s.value for k, s in self.sliders.items()}

    @contextmanager
    def hold(self):
        """Change several sliders with a single redraw at the end."""
        held, self._hold = self._hold, True
        try:
            yield self
        finally:
            self._hold = held
        if not held:
            self.redraw()

    def _on_change(self, change):
        # before_redraw runs even inside hold(): the exponent's range must follow the model
        # whatever the order of the changes; its own slider changes neither recurse nor redraw.
        if self._before is not None and not self._adjusting:
            self._adjusting = True
            try:
                self._before(self, change)
            finally:
                self._adjusting = False
        if not self._hold and not self._adjusting:
            self.redraw()

    def redraw(self):
        """Draw the figure for the current values and update the notebook output."""
        start = time.perf_counter()
        with warnings.catch_warnings():
            # NaN fits (immobile CTRW, noise larger than the signal) are counted on the figure.
            warnings.simplefilter("ignore", RuntimeWarning)
            fig = self._draw(**self.values)
        self.seconds = time.perf_counter() - start
        self.figure = fig
        self.redraws += 1
        if self.handle is not None:
            self.handle.update(fig)
        return fig

    def show(self):
        """Show the sliders and, below them, the figure (with a display handle)."""
        if self._shown or not _shell_active():
            return
        from IPython import get_ipython
        from IPython.display import display

        _enable_inline_png(get_ipython())
        display(self.controls)
        self.handle = display(self.figure, display_id=True)
        self._shown = True

    def _ipython_display_(self):
        # The explore_* call already showed everything; show again only if it did not.
        self.show()

    def png(self) -> bytes:
        """The current figure as PNG bytes (what the notebook displays)."""
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=72)
        return buf.getvalue()

    def __repr__(self):
        return f"<Demo {self.name}: {self.values}, {self.redraws} redraws>"


# ------------------------------------------------------------------ slider factories


def _float(description, value, lo, hi, step=0.05, fmt=".2f"):
    import ipywidgets as w

    return w.FloatSlider(value=value, min=lo, max=hi, step=step, description=description,
                         continuous_update=False, readout_format=fmt,
                         style={"description_width": "initial"})


def _choice(description, options, value):
    import ipywidgets as w

    return w.SelectionSlider(options=list(options), value=value, description=description,
                             continuous_update=False, style={"description_width": "initial"})


def _dropdown(description, options, value):
    import ipywidgets as w

    return w.Dropdown(options=list(options), value=value, description=description,
                      style={"description_width": "initial"})


def _set_range(slider, lo, hi, value=None):
    """Move a slider's range to [lo, hi] (in a safe order) and clamp its value."""
    if lo > slider.max:
        slider.max = hi
        slider.min = lo
    else:
        slider.min = lo
        slider.max = hi
    if value is not None:
        slider.value = value
    slider.value = min(max(slider.value, lo), hi)


def _alpha_follows_model(demo, change):
    if change["name"] != "value" or change["owner"] is not demo.sliders["model"]:
        return
    lo, hi = SLIDER_ALPHA[change["new"]]
    _set_range(demo.sliders["alpha"], lo, hi)


def _alpha_slider_for(model, alpha):
    lo, hi = SLIDER_ALPHA[model]
    return _float("α (exponent)", alpha, lo, hi, step=ALPHA_STEP)


def _model_demo(name, draw, model, alpha, show, **sliders):
    """A demo whose first sliders are the model and its exponent, the exponent's range
    following the model; ``sliders`` come after them."""
    sliders = {"model": _dropdown("model", MODELS, model),
               "alpha": _alpha_slider_for(model, alpha), **sliders}
    return Demo(name, sliders, draw, before_redraw=_alpha_follows_model, show=show)


# ------------------------------------------------------------------ shared drawing


def _plot_trajectories(ax, x, shown):
    """The first ``shown`` trajectories of x against time (at most ~1000 points per line:
    the same picture, a faster redraw)."""
    t = np.arange(x.shape[1])
    step = max(1, x.shape[1] // 1000)
    for row in x[:shown]:
        ax.plot(t[::step], row[::step], lw=0.8)
    ax.set_xlabel("time t (steps)")
    ax.set_ylabel("position x(t)")


def _mean_std(values):
    """``"mean ± std"`` of the values, for a legend."""
    return f"{values.mean():.2f} ± {values.std():.2f}"


def _estimates_hist(ax, good, bins, color, label, note=""):
    """Outline histogram of finite estimates, labelled ``label: mean ± std`` and ``note``."""
    ax.hist(good, bins=bins, histtype="step", lw=1.8, color=color,
            label=f"{label}: {_mean_std(good)}{note}")


def _mark_true_alpha(ax, alpha):
    """The true exponent as a vertical line, with headroom above the histograms for a legend."""
    ax.axvline(alpha, color="k", lw=1.2)
    ax.set_ylim(top=ax.get_ylim()[1] * 1.45)


# ------------------------------------------------------------------ chapter 1


def _draw_models(model, alpha, T, *, n=300, shown=5):
    rng = np.random.default_rng(SEED)
    x = simulate(model, T, alpha, n, rng=rng)
    fig, (ax1, ax2) = _figure()
    _plot_trajectories(ax1, x, shown)
    ax1.set_title(f"{shown} {model.upper()} trajectories, α = {alpha:.2f}")
    ts = _logspaced(1, T - 1)
    from .plotting import MODEL_COLORS, loglog_msd

    loglog_msd(ts, eamsd(x)[ts], model=model, alpha=alpha, ax=ax2,
               label=f"EA-MSD, {n} trajectories", color=MODEL_COLORS[model])
    ax2.set_xlabel("time t (steps)")
    ax2.set_title("ensemble MSD against theory")
    return fig


def explore_models(model="fbm", alpha=0.5, T=500, *, show=True) -> Demo:
    """Chapter 1: pick a model, its exponent and the length; see trajectories and the MSD.

    Left: five sample trajectories. Right: the ensemble MSD of 300 trajectories on log-log
    axes with the theory law :func:`anomdiff.theory.msd` (no fitted prefactor) and a
    slope-1 guide. The exponent slider follows the model's admitted range.

    Sliders: ``model`` (dropdown), ``alpha``, ``T``.

    Parameters
    ----------
    model : {"attm", "ctrw", "fbm", "lw", "sbm"}, default "fbm"
        Initial model (dropdown).
    alpha : float, default 0.5
        Initial anomalous exponent, within the model's range.
    T : int, default 500
        Initial length, one of 100, 200, 500, 1000, 2000.
    show : bool, default True
        Display the sliders and the figure (only inside IPython).

    Returns
    -------
    Demo
        The demo; its sliders are ``model``, ``alpha`` and ``T``.

    See Also
    --------
    anomdiff.simulate : the simulators.
    anomdiff.theory.msd : the MSD laws drawn.

    Examples
    --------
    >>> demo = explore_models(show=False)
    >>> demo.sliders["model"].value = "sbm"    # redraws
    >>> demo.redraws
    2
    """
    return _model_demo("explore_models", _draw_models, model, alpha, show,
                       T=_choice("T (points)", [100, 200, 500, 1000, 2000], T))


# ------------------------------------------------------------------ chapter 2


def _draw_fits(model, alpha, T, lags, *, n=400, shown=15):
    rng = np.random.default_rng(SEED)
    x = simulate(model, T, alpha, n, rng=rng)
    lo, hi = int(lags[0]), int(lags[1])
    hi = min(max(hi, lo + 1), T - 1)  # a fit needs two different lags
    lo = min(lo, hi - 1)
    window = np.arange(lo, hi + 1)
    est = fit_alpha(x, window)
    fig, (ax1, ax2) = _figure()
    all_lags = _logspaced(1, max(2, T // 2))
    m = tamsd(x[:shown], all_lags)
    ax1.loglog(all_lags, m.T, lw=0.7, color="tab:blue", alpha=0.6)
    ax1.loglog(all_lags, teamsd(x[:100], all_lags), "k-", lw=2, label="TEA-MSD (100 traj.)")
    ax1.loglog(all_lags, theory.msd(model, all_lags, alpha), "k:", lw=1.2,
               label="EA-MSD theory")
    ax1.axvspan(lo, hi, color="tab:orange", alpha=0.2, label=f"fit window {lo}-{hi}")
    ax1.set_xlabel("lag Δ (steps)")
    ax1.set_ylabel("TA-MSD")
    ax1.set_title(f"TA-MSDs of {shown} {model.upper()} trajectories, T = {T}")
    ax1.legend(frameon=False, fontsize=8)
    good = est[np.isfinite(est)]
    half = float(np.clip(4 * np.std(good), 0.3, 1.5)) if good.size else 1.0
    ax2.hist(np.clip(good, alpha - half, alpha + half),
             bins=np.linspace(alpha - half, alpha + half, 41), color="tab:orange",
             alpha=0.8, label="fitted α (clipped to the axis)")
    ax2.axvline(alpha, color="k", lw=1.5, label=f"true α = {alpha:.2f}")
    if good.size:
        ax2.axvline(good.mean(), color="tab:red", ls="--", lw=1.2,
                    label=f"mean {good.mean():.2f}, std {good.std():.2f}")
    if model == "fbm":
        bound, name = _crlb(alpha, T)
        ax2.axvspan(alpha - bound, alpha + bound, color="gray", alpha=0.25,
                    label=f"± {name} {bound:.3f}")
    lost = est.size - good.size
    note = f" ({lost} immobile: no fit)" if lost else ""
    ax2.set_title(f"{est.size} single-trajectory estimates{note}", fontsize=10)
    ax2.set_xlabel("α estimated from one trajectory")
    ax2.set_ylabel("count")
    ax2.set_ylim(top=ax2.get_ylim()[1] * 1.7)
    ax2.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def explore_fits(model="fbm", alpha=0.5, T=200, lags=(1, 10), *, show=True) -> Demo:
    """Chapter 2: how the fit window and the length set the spread of fitted exponents.

    Left: TA-MSDs of 15 trajectories, their ensemble mean and the EA-MSD law, with the fit
    window shaded. Right: the histogram of exponents fitted to 400 single trajectories,
    with the FBM Cramér-Rao bound when the model is FBM.

    Sliders: ``model``, ``alpha``, ``T``, ``lags`` (an ``IntRangeSlider``: first and last
    lag of the fit; equal ends are widened to two lags).

    Parameters
    ----------
    model, alpha
        Initial model and exponent, as in :func:`explore_models`.
    T : int, default 200
        Initial length, one of 50, 100, 200, 500, 1000, 2000.
    lags : tuple of int, default (1, 10)
        Initial first and last lag of the fit window (1 to 40).
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo; its sliders are ``model``, ``alpha``, ``T`` and ``lags`` (an
        ``IntRangeSlider``).

    See Also
    --------
    anomdiff.fit_alpha : the single-trajectory fit.
    anomdiff.theory.fbm_crlb : the Cramér-Rao bound drawn for FBM.

    Examples
    --------
    >>> demo = explore_fits(show=False)
    >>> demo.sliders["lags"].value = (1, 5)    # redraws
    >>> demo.redraws
    2
    """
    import ipywidgets as w

    lag_range = w.IntRangeSlider(value=tuple(lags), min=1, max=40, step=1,
                                 description="fit lags Δ", continuous_update=False,
                                 style={"description_width": "initial"})
    return _model_demo("explore_fits", _draw_fits, model, alpha, show,
                       T=_choice("T (points)", [50, 100, 200, 500, 1000, 2000], T), lags=lag_range)


# ------------------------------------------------------------------ chapter 3


def _draw_noise(sigma, alpha, T, *, n=400, fit_lags=8):
    rng = np.random.default_rng(SEED)
    x = simulate("fbm", T, alpha, n, rng=rng)
    y = add_localization_noise(x, sigma, rng=rng)
    window = np.arange(1, fit_lags + 1)
    clean = fit_alpha(x, window)
    biased = fit_alpha(y, window)
    corrected = fit_alpha(y, window, sigma=sigma)
    fig, (ax1, ax2) = _figure()
    lags = _logspaced(1, max(2, T // 4), 20)
    offset = 2 * sigma**2
    shown = slice(0, 100)  # 100 trajectories give smooth mean curves
    noisy = teamsd(y[shown], lags)
    ax1.loglog(lags, teamsd(x[shown], lags), "o-", ms=3, color="tab:blue", label="without noise")
    ax1.loglog(lags, noisy, "s-", ms=3, color="tab:red", label="with noise")
    corr = noisy - offset
    keep = corr > 0
    ax1.loglog(lags[keep], corr[keep], "^--", ms=3, color="tab:green",
               label="with noise − 2σ²")
    ax1.loglog(lags, theory.msd("fbm", lags, alpha), "k:", lw=1.2, label="theory Δ^α")
    if sigma > 0:
        ax1.axhline(offset, color="tab:red", ls=":", lw=1, label=f"2σ² = {offset:.2g}")
    ax1.axvspan(1, fit_lags, color="tab:orange", alpha=0.15)
    ax1.set_xlabel("lag Δ (steps)")
    ax1.set_ylabel("TEA-MSD")
    ax1.set_title(f"FBM, α = {alpha:.2f}, σ = {sigma:.2f} (rms step = 1)", fontsize=10)
    ax1.legend(frameon=False, fontsize=8)
    spread = np.concatenate([e[np.isfinite(e)] for e in (clean, biased, corrected)])
    lo = min(alpha - 0.3, np.quantile(spread, 0.005)) if spread.size else alpha - 1
    hi = max(alpha + 0.3, np.quantile(spread, 0.995)) if spread.size else alpha + 1
    bins = np.linspace(lo, hi, 41)
    for est, color, label in [(clean, "tab:blue", "no noise"),
                              (biased, "tab:red", "noisy, plain fit"),
                              (corrected, "tab:green", "noisy, 2σ² subtracted")]:
        good = est[np.isfinite(est)]
        lost = est.size - good.size
        extra = f", {lost} failed" if lost else ""
        _estimates_hist(ax2, good, bins, color, label, extra)
    _mark_true_alpha(ax2, alpha)
    ax2.set_xlabel(f"α fitted on lags 1-{fit_lags}")
    ax2.set_ylabel("count")
    ax2.set_title(f"{n} trajectories of T = {T}", fontsize=10)
    ax2.legend(frameon=False, fontsize=8, loc="upper left")
    return fig


def explore_noise(sigma=0.5, alpha=1.0, T=200, *, show=True) -> Demo:
    """Chapter 3: localization noise of std sigma against biased and corrected fits.

    FBM trajectories (MSD exactly Δ**alpha, so the rms one-step displacement is 1 and sigma is
    in that unit) are observed with Gaussian noise. Left: the TEA-MSD with and without noise
    and after subtracting 2 sigma**2. Right: exponents fitted without noise, with
    noise, and with the correction ``fit_alpha(..., sigma=sigma)``, all on lags 1-8.

    Sliders: ``sigma``, ``alpha``, ``T``.

    Parameters
    ----------
    sigma : float, default 0.5
        Initial localization-noise standard deviation (0 to 2).
    alpha : float, default 1.0
        Initial FBM exponent.
    T : int, default 200
        Initial length, one of 50, 100, 200, 500, 1000, 2000.
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo; its sliders are ``sigma``, ``alpha`` (within FBM's range) and ``T``.

    See Also
    --------
    anomdiff.add_localization_noise : the noise model.
    anomdiff.fit_alpha : the fit, with ``sigma`` for the correction.

    Examples
    --------
    >>> demo = explore_noise(show=False)
    >>> demo.sliders["sigma"].value = 1.0      # redraws
    >>> demo.redraws, demo.values["sigma"]
    (2, 1.0)
    """
    sliders = {
        "sigma": _float("σ (noise std)", sigma, 0.0, 2.0),
        "alpha": _alpha_slider_for("fbm", alpha),
        "T": _choice("T (points)", [50, 100, 200, 500, 1000, 2000], T),
    }
    return Demo("explore_noise", sliders, _draw_noise, show=show)


# ------------------------------------------------------------------ chapter 4

#: Lengths offered by the EB demo (the cut lengths t run up to T).
_EB_LENGTHS = [100, 300, 1000, 3000, 10_000, 30_000, 100_000]
#: Lags offered by the EB and ageing demos (all below the shortest length).
_EB_LAGS = [1, 2, 5, 10, 20, 50]


#: The CTRW's finite-t EB theory is drawn where it exceeds its limit by less than this
#: (the validity range stated in the Notes of :func:`anomdiff.theory.eb`).
CTRW_EB_TRUSTED_EXCESS = 0.3


def _eb_theory(model, alpha, lag, t):
    """``theory.eb`` on the cut lengths t, or None where the theory gives no finite-t value."""
    try:
        curve = np.asarray(theory.eb(model, alpha, lag, t), dtype=np.float64)
    except NotImplementedError:  # ATTM and Lévy walk: only the limit is known
        return None
    if model_name(model) == "ctrw":
        # a leading-order expansion, trusted where the excess over the limit is small
        excess = curve - theory.eb_limit(model, alpha)
        curve = np.where(excess < CTRW_EB_TRUSTED_EXCESS, curve, np.nan)
    return curve if np.isfinite(curve).any() else None


def _eb_jackknife(x, lag, idx):
    """Jackknife standard error of EB over trajectories, at the cut lengths t = lag + 1 + idx.

    Leave-one-out EBs come from the sums of m and m**2 in closed form (O(N) per length).
    Blocks of a few trajectories would underestimate the error of a heavy-tailed CTRW EB.
    """
    d = np.cumsum((x[:, lag:] - x[:, :-lag]) ** 2, axis=1)[:, idx] / (idx + 1.0)
    n = d.shape[0]
    s1, s2 = d.sum(axis=0), (d**2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        loo = ((s2 - d**2) / (n - 1)) / ((s1 - d) / (n - 1)) ** 2 - 1
        return np.sqrt((n - 1) / n * np.sum((loo - loo.mean(axis=0)) ** 2, axis=0))


def _draw_ergodicity(model, alpha, T, lag, *, n=100, points=150):
    rng = np.random.default_rng(SEED)
    x = simulate(model, T, alpha, n, rng=rng)
    t, value = eb(x, lag)
    idx = np.unique(np.geomspace(1, t.size, points).round().astype(int) - 1)
    t, value = t[idx], value[idx]
    err = _eb_jackknife(x, lag, idx)  # 100 walks leave a visible statistical scatter
    fig, (ax1, ax2) = _figure()
    from .plotting import MODEL_COLORS

    color = MODEL_COLORS[model]
    good = np.isfinite(value) & (value > 0) & np.isfinite(err)
    ax1.fill_between(t[good], np.maximum(value[good] - err[good], value[good] / 10),
                     value[good] + err[good], color=color, alpha=0.25, lw=0)
    ax1.loglog(t[good], value[good], color=color, lw=1.5,
               label=f"{model.upper()}, {n} trajectories (± s.e.)")
    curve = _eb_theory(model, alpha, lag, t)
    if curve is not None:
        ax1.loglog(t, curve, color="k", lw=1.2, label="theory.eb")
        if model == "ctrw":
            ax1.plot([], [], " ", label=f"(leading order, drawn where\nEB − EB∞ < {CTRW_EB_TRUSTED_EXCESS})")
    limit = float(theory.eb_limit(model, alpha))
    if limit > 0:
        ax1.axhline(limit, color="k", ls="--", lw=1, label=f"limit EB∞ = {limit:.3f}")
    else:
        ax1.plot([], [], " ", label="limit EB∞ = 0")
    brown = theory.eb("fbm", 1.0, lag, t)  # exact for sampled Brownian motion
    ax1.loglog(t, brown, color="gray", ls=":", lw=1.5, label="Brownian motion")
    shown = np.concatenate([value[good], brown, [limit] if limit > 0 else []])
    ax1.set_ylim(max(1e-5, shown.min() / 2), max(2.0, shown.max() * 1.5))
    ax1.minorticks_off()  # minor ticks over many decades triple the drawing time
    ax1.set_xlabel("trajectory length t (steps)")
    ax1.set_ylabel(f"EB (lag Δ = {lag})")
    ax1.set_title(f"ergodicity breaking parameter, {model.upper()}, α = {alpha:.2f}",
                  fontsize=10)
    ax1.legend(frameon=False, fontsize=8, loc="lower left")
    m = tamsd(x, [lag])[:, 0]
    xi = m / m.mean() if m.mean() > 0 else m
    spread = float(np.std(xi))
    if spread > 0.25:  # broad (non-ergodic) scatter: from 0 up, outliers in the last bin
        lo, hi = 0.0, max(4.0, float(np.quantile(xi, 0.99)))
    else:  # narrow: zoom on 1
        lo, hi = max(0.0, 1 - 5 * spread), 1 + 5 * spread
    bins = np.linspace(lo, hi, 41)
    # one filled outline instead of 40 bar patches: a third of the redraw time
    ax2.hist(np.clip(xi, lo, hi), bins=bins, color=color, alpha=0.8, histtype="stepfilled")
    ax2.axvline(1, color="k", lw=1)
    if curve is not None and limit == 0 and curve[-1] > 0:
        # small EB: xi is close to Gaussian, mean 1 and variance theory.eb(T)
        s = np.sqrt(curve[-1])
        grid = np.linspace(lo, hi, 200)
        dens = np.exp(-0.5 * ((grid - 1) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        ax2.plot(grid, dens * n * (bins[1] - bins[0]), "k-", lw=1,
                 label="Gaussian, variance from theory.eb")
        ax2.legend(frameon=False, fontsize=8, loc="upper left")
    ax2.set_xlabel(f"ξ = TA-MSD / mean TA-MSD (lag {lag}, t = T)")  # plain text: mathtext is slow
    ax2.set_ylabel("trajectories")
    at_T = f" (theory {curve[-1]:.3g})" if curve is not None and np.isfinite(curve[-1]) else ""
    ax2.set_title(f"T = {T}: Var ξ = EB = {np.var(xi):.3g} ± {err[-1]:.2g}{at_T}", fontsize=10)
    return fig


def explore_ergodicity(model="ctrw", alpha=0.5, T=10_000, lag=1, *, show=True) -> Demo:
    """Chapter 4: EB(t) of any model against :func:`anomdiff.theory.eb` and its limit.

    Left: EB(t) of 100 trajectories at lag ``lag`` against the cut length t (log-log, up to
    T = 100 000), with the theory at finite t, the limit EB∞ of
    :func:`anomdiff.theory.eb_limit` (dashed, when it is not 0) and the exact EB of sampled
    Brownian motion (dotted). Right: the amplitudes ξ of the TA-MSDs at the full length;
    their variance is EB(T).

    Parameters
    ----------
    model, alpha
        Initial model and exponent, as in :func:`explore_models`.
    T : int, default 10000
        Initial trajectory length, one of 100, 300, 1000, 3000, 10 000, 30 000, 100 000.
    lag : int, default 1
        Initial lag Δ of the TA-MSD, one of 1, 2, 5, 10, 20, 50.
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo; its sliders are ``model``, ``alpha``, ``T`` and ``lag``.

    See Also
    --------
    anomdiff.eb : EB(t) for every cut length.
    anomdiff.theory.eb : EB at finite length.
    explore_ageing : the TEA-MSD after an ageing time t_a.

    Notes
    -----
    EB(t) = <ξ²> − 1 with ξ = TA-MSD / <TA-MSD> over the ensemble. The 100 trajectories are
    redrawn from a fixed seed, so EB carries a statistical error of roughly
    EB·sqrt(2/100) where the ξ are close to Gaussian; the theory curve has none.

    Examples
    --------
    >>> demo = explore_ergodicity(show=False)
    >>> with demo.hold():                   # two sliders, one redraw
    ...     demo.sliders["T"].value = 1000
    ...     demo.sliders["lag"].value = 10
    >>> demo.redraws
    2
    """
    return _model_demo("explore_ergodicity", _draw_ergodicity, model, alpha, show,
                       T=_choice("T (points)", _EB_LENGTHS, T),
                       lag=_choice("lag Δ", _EB_LAGS, lag))


#: Ageing times offered by the ageing demo (steps discarded before the measurement).
_AGEING_TIMES = [0, 10, 100, 1000, 10_000]
#: Models whose increments are stationary (in the simulators' default start): no ageing.


def _draw_ageing(model, alpha, t_a, *, T=1000, n=200, shown=15):
    from .plotting import MODEL_COLORS

    rng = np.random.default_rng(SEED)
    x = simulate(model, t_a + T, alpha, n, rng=rng)[:, t_a:]  # the first t_a steps unseen
    lags = _logspaced(1, T // 10, 20)
    m = tamsd(x, lags)
    color = MODEL_COLORS[model]
    fig, (ax1, ax2) = _figure()
    pos = m[:shown] > 0
    for row, ok in zip(m[:shown], pos):
        ax1.loglog(lags[ok], row[ok], color=color, lw=0.6, alpha=0.6)
    ax1.loglog(lags, m.mean(axis=0), "o", ms=4, color="k", label=f"TEA-MSD, t_a = {t_a}")
    ax1.loglog(lags, theory.aged_teamsd(model, alpha, lags, T, t_a), "k-", lw=1.2,
               label="theory at this t_a")
    ax1.loglog(lags, theory.aged_teamsd(model, alpha, lags, T), color="gray", ls=":", lw=1.5,
               label="theory at t_a = 0")
    ax1.set_xlabel("lag Δ (steps)")
    ax1.set_ylabel("TA-MSD")
    ax1.set_title(f"{model.upper()}, α = {alpha:.2f}: measured on [t_a, t_a + {T})",
                  fontsize=10)
    ax1.minorticks_off()  # cheaper redraws
    ax1.legend(frameon=False, fontsize=8, loc="upper left")
    ages = np.unique(np.r_[0, np.geomspace(1, 10 * max(_AGEING_TIMES), 60).round()]).astype(int)
    ref = theory.aged_teamsd(model, alpha, 1, T)
    ratio = np.array([theory.aged_teamsd(model, alpha, 1, T, int(a)) for a in ages]) / ref
    ax2.plot(ages, ratio, "k-", lw=1.2, label="theory")
    measured = m[:, 0].mean() / ref
    ax2.plot([t_a], [measured], "o", ms=8, color=color, label=f"simulation: {measured:.3f}")
    ax2.set_xscale("symlog", linthresh=1)
    ax2.set_xlim(0, ages[-1])
    ax2.set_xlabel("ageing time t_a (steps before the measurement)")
    ax2.set_ylabel("TEA-MSD(Δ=1) / its value at t_a = 0")
    still = np.mean(m[:, 0] == 0)
    ax2.set_title(f"T = {T}; {100 * still:.0f}% of trajectories never moved", fontsize=10)
    ax2.legend(frameon=False, fontsize=8)
    return fig


def explore_ageing(model="ctrw", alpha=0.5, t_a=0, *, show=True) -> Demo:
    r"""Chapter 4: ageing, the TA-MSD measured after the process has run for t_a steps.

    200 trajectories run for t_a + 1000 steps; the first t_a steps are discarded, and the
    TA-MSD is measured on the remaining T = 1000. Left: 15 TA-MSDs, their mean (TEA-MSD)
    and the theory at this t_a and at t_a = 0. Right: the TEA-MSD at lag 1 against t_a,
    relative to t_a = 0, and the share of trajectories that never moved during the
    measurement.

    Parameters
    ----------
    model, alpha
        Initial model and exponent, as in :func:`explore_models`.
    t_a : int, default 0
        Initial ageing time, one of 0, 10, 100, 1000, 10 000.
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo; its sliders are ``model``, ``alpha`` and the ageing time ``t_a``.

    See Also
    --------
    explore_ergodicity : EB(t) against theory.
    anomdiff.theory.msd : the ensemble MSD laws the theory lines are built from.

    Notes
    -----
    With uncorrelated zero-mean increments (ATTM, CTRW, SBM), the TEA-MSD measured on
    [t_a, t_a + T) is

    .. math:: \langle\overline{\delta^2}(\Delta)\rangle = \frac{1}{T-\Delta}
              \sum_{i=0}^{T-\Delta-1} \left[M(t_a+i+\Delta) - M(t_a+i)\right],

    with M the ensemble MSD. For the CTRW and Δ ≪ T this is the ageing factor
    Λ_α(t_a/T) = (1 + t_a/T)^α − (t_a/T)^α of the non-aged value [1]_. FBM and the Lévy
    walk started in equilibrium have stationary increments and do not age.

    References
    ----------
    .. [1] J. H. P. Schulz, E. Barkai, R. Metzler, "Aging effects and population splitting
       in single-particle trajectory averages", Phys. Rev. Lett. 110, 020602 (2013),
       doi:10.1103/PhysRevLett.110.020602.

    Examples
    --------
    >>> demo = explore_ageing(show=False)
    >>> demo.sliders["t_a"].value = 1000    # redraws
    >>> demo
    <Demo explore_ageing: {'model': 'ctrw', 'alpha': 0.5, 't_a': 1000}, 2 redraws>
    """
    return _model_demo("explore_ageing", _draw_ageing, model, alpha, show,
                       t_a=_choice("t_a (ageing time)", _AGEING_TIMES, t_a))


# ------------------------------------------------------------------ chapters 5 and 6


#: Lengths offered by the ML demos.
_ML_LENGTHS = [50, 100, 200, 500, 1000]


def _ml_batch(T):
    """Trajectories per redraw of the ML demos: keeps a redraw under about 0.5 s."""
    return 200 if T <= 200 else 100


def _warm_up(predict):
    """Compile the network once per offered length (JAX traces each new input shape), so
    that the first move to a new T is as quick as the later ones."""
    rng = np.random.default_rng(0)
    for T in _ML_LENGTHS:
        # random walks, not zeros: immobile tracks are refused (NaN and a warning)
        predict(np.cumsum(rng.standard_normal((_ml_batch(T), T)), axis=1))


def _mae(est, alpha):
    good = est[np.isfinite(est)]
    return float(np.mean(np.abs(good - alpha))) if good.size else float("nan")


def _draw_cnn(alpha, T, sigma, *, fit_lags=5):
    from . import ml

    n = _ml_batch(T)
    rng = np.random.default_rng(SEED)
    x = simulate("fbm", T, alpha, n, rng=rng)
    y = add_localization_noise(x, sigma, rng=rng) if sigma > 0 else x
    cnn = ml.predict_alpha(y, model="fbm")
    window = np.arange(1, fit_lags + 1)
    fit = fit_alpha(y, window)
    bound, name = _crlb(alpha, T)
    fig, (ax1, ax2) = _figure()
    spread = np.concatenate([cnn, fit[np.isfinite(fit)]])
    lo = min(alpha - 0.3, np.quantile(spread, 0.005))
    hi = max(alpha + 0.3, np.quantile(spread, 0.995))
    bins = np.linspace(lo, hi, 41)
    ax1.axvspan(alpha - bound, alpha + bound, color="gray", alpha=0.25,
                label=f"± {name} ({bound:.3f})")
    ax1.hist(cnn, bins=bins, histtype="stepfilled", alpha=0.5, color="tab:purple",
             label=f"pretrained CNN: {_mean_std(cnn)}")
    good = fit[np.isfinite(fit)]
    _estimates_hist(ax1, good, bins, "tab:orange", f"TA-MSD fit (lags 1-{fit_lags})")
    _mark_true_alpha(ax1, alpha)
    ax1.set_xlabel("estimated α")
    ax1.set_ylabel("trajectories")
    ax1.set_title(f"{n} fresh FBM trajectories, α = {alpha:.2f}, T = {T}, σ = {sigma:.2f}",
                  fontsize=10)
    ax1.legend(frameon=False, fontsize=8, loc="upper left")
    names = ["CNN", "TA-MSD fit"]
    values = [_mae(cnn, alpha), _mae(fit, alpha)]
    colors = ["tab:purple", "tab:orange"]
    if sigma > 0:
        corrected = fit_alpha(y, window, sigma=sigma)
        names.append("fit, 2σ²\nsubtracted")
        values.append(_mae(corrected, alpha))
        colors.append("tab:green")
    names.append(("≈ " if name.startswith("≈") else "") + "Cramér-Rao\n(no noise)")
    values.append(float(np.sqrt(2 / np.pi) * bound))  # MAE of an unbiased Gaussian at the bound
    colors.append("gray")
    ax2.bar(names, values, color=colors, alpha=0.8)
    for i, v in enumerate(values):
        ax2.text(i, v, f"{v:.3f}", ha="center", va="bottom", fontsize=9)
    ax2.set_ylabel("mean absolute error of α")
    ax2.set_ylim(0, max(values) * 1.25)
    ax2.set_title("error per trajectory", fontsize=10)
    return fig


def explore_cnn(alpha=1.5, T=200, sigma=0.0, *, show=True) -> Demo:
    """Chapter 5: the pretrained CNN against the TA-MSD fit on fresh FBM trajectories.

    200 new FBM trajectories (100 for T > 200; fixed seed) with exponent ``alpha``, length ``T`` and
    localization noise ``sigma`` go to :func:`anomdiff.ml.predict_alpha` and to a TA-MSD
    fit on lags 1-5. Left: the two distributions of estimates with the Cramér-Rao bound of
    the noise-free problem. Right: their mean absolute errors (plus the noise-corrected fit
    when sigma > 0) against the MAE an unbiased estimator at the bound would have.

    Sliders: ``alpha``, ``T``, ``sigma``.

    Parameters
    ----------
    alpha : float, default 1.5
        Initial FBM exponent.
    T : int, default 200
        Initial length, one of 50, 100, 200, 500, 1000.
    sigma : float, default 0.0
        Initial localization-noise standard deviation (0 to 1).
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo, with the network loaded and compiled; its sliders are ``alpha``, ``T`` and
        ``sigma``.

    See Also
    --------
    anomdiff.ml.predict_alpha : the pretrained network.
    anomdiff.theory.fbm_crlb : the Cramér-Rao bound.

    Examples
    --------
    In a notebook cell (the first call loads the network and compiles it for every offered
    length, about 10 s on two cores; tests/test_widgets.py exercises it)::

        demo = explore_cnn()
        demo.sliders["T"].value = 500
    """
    from . import ml

    ml.load_pretrained("alpha_fbm")  # fail early (and load once) if the weights are missing
    _warm_up(ml.predict_alpha)
    sliders = {
        "alpha": _alpha_slider_for("fbm", alpha),
        "T": _choice("T (points)", _ML_LENGTHS, T),
        "sigma": _float("σ (noise std)", sigma, 0.0, 1.0),
    }
    return Demo("explore_cnn", sliders, _draw_cnn, show=show)


def _draw_classifier(model, alpha, T, *, shown=4):
    from . import ml
    from .plotting import MODEL_COLORS

    n = _ml_batch(T)
    rng = np.random.default_rng(SEED)
    x = simulate(model, T, alpha, n, rng=rng)
    prob = ml.predict_ergodic(x, return_probability=True)
    truth = theory.is_ergodic(model)
    correct = np.mean((prob >= 0.5) == truth)
    fig, (ax1, ax2) = _figure()
    _plot_trajectories(ax1, x, shown)
    kind = "ergodic" if truth else "non-ergodic"
    ax1.set_title(f"{model.upper()}, α = {alpha:.2f} ({kind} by its model)", fontsize=10)
    ax2.hist(prob, bins=np.linspace(0, 1, 26), color=MODEL_COLORS[model], alpha=0.85)
    ax2.axvline(0.5, color="k", ls="--", lw=1)
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("P(ergodic) from the pretrained classifier")
    ax2.set_ylabel("trajectories")
    ax2.set_title(f"{n} fresh trajectories of T = {T}: {100 * correct:.0f}% classified as "
                  f"{kind}", fontsize=10)
    return fig


def explore_classifier(model="sbm", alpha=1.0, T=200, *, show=True) -> Demo:
    """Chapter 6: what the pretrained ergodicity classifier says about fresh trajectories.

    Left: a few trajectories of the chosen model. Right: the histogram of the classifier's
    probability of "ergodic" for 200 trajectories (100 for T > 200), and the share it classifies correctly
    (FBM and Lévy walk are ergodic, ATTM, CTRW and SBM are not). At alpha = 1, FBM and SBM
    are the same Brownian motion, so no classifier can separate them.

    Sliders: ``model``, ``alpha`` (follows the model's range), ``T``.

    Parameters
    ----------
    model, alpha
        Initial model and exponent, as in :func:`explore_models`.
    T : int, default 200
        Initial length, one of 50, 100, 200, 500, 1000.
    show : bool, default True
        As in :func:`explore_models`.

    Returns
    -------
    Demo
        The demo; its sliders are ``model``, ``alpha`` and ``T`` (a length the network was
        compiled for).

    See Also
    --------
    anomdiff.ml.predict_ergodic : the pretrained classifier.

    Examples
    --------
    In a notebook cell (the first call loads the network, a few seconds;
    tests/test_widgets.py exercises it)::

        demo = explore_classifier()
        demo.sliders["model"].value = "fbm"
    """
    from . import ml

    ml.load_pretrained("ergodic")
    _warm_up(ml.predict_ergodic)
    return _model_demo("explore_classifier", _draw_classifier, model, alpha, show,
                       T=_choice("T (points)", _ML_LENGTHS, T))
