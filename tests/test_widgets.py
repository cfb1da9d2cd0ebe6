"""Every demo in anomdiff.widgets, driven headless: sliders to their extremes, figure updates.

The demos follow the contract in ``anomdiff/widgets.py``: ``explore_*(show=False)`` returns a
``Demo`` with ``.sliders`` (name -> ipywidgets control), ``.redraws``, ``.figure``,
``.png()`` and ``.seconds``; setting a slider's ``.value`` redraws.
Live updates in a kernel and a browser are tested in ``test_browser.py``.
"""

from __future__ import annotations

import warnings

import pytest

from anomdiff import widgets  # conftest sets the Agg backend for this process

DEMOS = sorted(n for n in getattr(widgets, "__all__", dir(widgets)) if n.startswith("explore_"))
# Redraw times are figures, measured by benchmarks/widgets.py, not asserted here.

_cache: dict = {}


def make_demo(name):
    """One demo per function for the session (the ML demos load models, so build once)."""
    if name not in _cache:
        try:
            _cache[name] = getattr(widgets, name)(show=False)
        except Exception as exc:  # remembered, so a broken demo is not rebuilt for every test
            _cache[name] = exc
    demo = _cache[name]
    if isinstance(demo, ImportError):  # optional extra missing (e.g. keras for the ML demos)
        pytest.skip(f"{name} needs an optional dependency: {demo}")
    if isinstance(demo, Exception):
        pytest.fail(f"{name}(show=False) raised {type(demo).__name__}: {demo}")
    return demo


@pytest.fixture
def demo(request):
    d = make_demo(request.param)
    defaults = {k: s.value for k, s in d.sliders.items()}
    yield d
    with d.hold():  # back to the defaults for the next test, one redraw
        for k, v in defaults.items():
            d.sliders[k].value = v


def extremes(slider):
    """The values at the ends of a control (every option of a dropdown)."""
    import ipywidgets as w

    if isinstance(slider, (w.Dropdown, w.RadioButtons, w.ToggleButtons, w.Select)):
        return list(slider.options)
    if isinstance(slider, (w.SelectionSlider, w.SelectionRangeSlider)):
        opts = list(slider.options)
        if isinstance(slider, w.SelectionRangeSlider):
            return [(opts[0], opts[0]), (opts[-1], opts[-1]), (opts[0], opts[-1])]
        return [opts[0], opts[-1]]
    if isinstance(slider.value, tuple):  # Int/FloatRangeSlider
        return [(slider.min, slider.min), (slider.max, slider.max), (slider.min, slider.max)]
    if isinstance(slider.value, bool):
        return [not slider.value, slider.value]
    return [slider.min, slider.max]


def option_values(slider):
    """The value(s) an option stands for (options may be (label, value) pairs)."""
    return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in slider.options]


def is_png(data: bytes) -> bool:
    return data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000


@pytest.fixture(autouse=True)
def _warnings_are_errors():
    """A warning would print red stderr under the figure in the notebook and the book."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=PendingDeprecationWarning)
        yield


def pytest_generate_tests(metafunc):
    if "demo" in metafunc.fixturenames:
        metafunc.parametrize("demo", DEMOS, ids=DEMOS, indirect=True)


# --------------------------------------------------------------------------- tests
def test_one_demo_per_chapter_with_sliders():
    # Chapters 1-5 each name a slider demo in issue 5; chapter 1 calls explore_models().
    assert "explore_models" in DEMOS
    assert len(DEMOS) >= 5, f"expected a demo for each of chapters 1-5, found {DEMOS}"


def test_created_headless_with_default_figure(demo):
    from matplotlib.figure import Figure
    import ipywidgets as w

    assert demo.redraws == 1, "the figure is drawn once at creation (for the static book)"
    assert isinstance(demo.figure, Figure) and demo.figure.axes
    assert is_png(demo.png())
    assert demo.sliders, "a demo has at least one slider"
    for name, slider in demo.sliders.items():
        assert isinstance(slider, w.ValueWidget), f"{name}: {type(slider).__name__}"
        if hasattr(slider, "continuous_update") and not isinstance(slider, w.Dropdown):
            # costly redraws happen on release, not on every pixel of a drag
            assert slider.continuous_update is False, f"{name} redraws while dragging"
    assert list(demo.controls.children) == list(demo.sliders.values())
    assert demo.handle is None, "show=False outside a notebook must not display anything"


def test_every_slider_to_its_extremes_updates_the_figure(demo):
    after_png = demo.png()
    for name, slider in demo.sliders.items():
        for value in extremes(slider):
            before_png, before_n, before_value = after_png, demo.redraws, slider.value
            slider.value = value  # must not raise
            after_png = demo.png()
            if slider.value == before_value:
                assert demo.redraws == before_n, f"{name}={value!r}: redrew without a change"
                continue
            assert slider.value == value, f"{name}: asked {value!r}, got {slider.value!r}"
            assert demo.redraws == before_n + 1, (
                f"{name}={value!r}: {demo.redraws - before_n} redraws for one change")
            assert is_png(after_png), f"{name}={value!r}: figure is not a PNG"
            assert after_png != before_png, f"{name}={value!r}: the figure did not change"


def test_exponent_range_follows_the_model_inside_hold():
    demo = make_demo("explore_models")
    defaults = {k: s.value for k, s in demo.sliders.items()}
    try:
        with demo.hold():
            demo.sliders["model"].value = "sbm"
            demo.sliders["model"].value = "ctrw"
        assert demo.sliders["alpha"].max <= 1.0, "the exponent slider kept SBM's range"
    finally:
        with demo.hold():
            for k, v in defaults.items():
                demo.sliders[k].value = v


def test_all_sliders_at_their_ends_together(demo):
    for end in (0, -1):
        before = demo.redraws
        with demo.hold():
            for name, slider in demo.sliders.items():
                values = extremes(slider)
                slider.value = values[end] if end == 0 or not isinstance(values[0], tuple) \
                    else values[1]
        assert demo.redraws == before + 1, "hold() gives exactly one redraw"
        assert is_png(demo.png())


def test_same_values_give_the_same_figure(demo):
    """Seeds are fixed per demo: moving a slider away and back restores the figure."""
    name, slider = next(iter(demo.sliders.items()))
    original = demo.png()
    old = slider.value
    slider.value = extremes(slider)[-1] if extremes(slider)[-1] != old else extremes(slider)[0]
    slider.value = old
    assert demo.png() == original, f"{demo.name}: {name} away and back changed the figure"


def test_alpha_slider_follows_the_model():
    """The exponent slider offers only exponents the chosen model admits (no ValueError)."""
    import anomdiff as ad

    checked = 0
    for name in DEMOS:
        try:
            d = make_demo(name)
        except (pytest.fail.Exception, pytest.skip.Exception):
            continue  # a demo that cannot be built is reported by the per-demo tests
        if not {"model", "alpha"} <= set(d.sliders):
            continue
        model_s, alpha_s = d.sliders["model"], d.sliders["alpha"]
        default = (model_s.value, alpha_s.value)
        try:
            for model in option_values(model_s):
                model_s.value = model
                lo, hi = ad.alpha_range(model)
                for alpha in (alpha_s.min, alpha_s.max):
                    alpha_s.value = alpha
                    assert lo <= alpha_s.value <= hi, (
                        f"{name}: alpha {alpha_s.value} outside {model}'s range [{lo}, {hi}]")
                checked += 1
        finally:
            with d.hold():
                model_s.value, alpha_s.value = default
    if not checked:
        pytest.skip("no demo has both a model and an alpha slider")


# --------------------------------------------------------------------------- chapter 4 physics
def test_alpha_slider_ends_come_from_the_model_ranges():
    """Slider ends are derived from ``alpha_range``: closed ends reached, open ends avoided."""
    import anomdiff as ad
    from anomdiff.models import admits

    for model in ad.MODELS:
        lo, hi = widgets.SLIDER_ALPHA[model]
        low, high = ad.alpha_range(model)
        assert admits(model, lo) and admits(model, hi), (model, lo, hi)
        assert lo == (low if admits(model, low) else low + widgets.ALPHA_MARGIN)
        assert hi == (high if admits(model, high) else high - widgets.ALPHA_MARGIN)


def _line(ax, label_start):
    lines = [ln for ln in ax.get_lines() if str(ln.get_label()).startswith(label_start)]
    assert len(lines) == 1, f"expected one line labelled {label_start!r}, got {len(lines)}"
    return lines[0]


@pytest.mark.parametrize("model, alpha, lag", [("ctrw", 0.5, 1), ("fbm", 1.5, 5), ("sbm", 0.7, 2)])
def test_eb_demo_draws_theory_eb(model, alpha, lag):
    """The EB demo's theory and Brownian lines are ``theory.eb`` itself, for the chosen lag."""
    import numpy as np

    import anomdiff as ad

    demo = widgets.explore_ergodicity(model=model, alpha=alpha, T=1000, lag=lag, show=False)
    ax = demo.figure.axes[0]
    theory_line = _line(ax, "theory.eb")
    t = theory_line.get_xdata()
    expected = ad.theory.eb(model, alpha, lag, t)
    drawn = np.isfinite(theory_line.get_ydata())
    if model == "ctrw":  # leading order: drawn only where the excess over the limit is small
        trusted = expected - ad.theory.eb_limit(model, alpha) < widgets.CTRW_EB_TRUSTED_EXCESS
        assert np.array_equal(drawn, trusted) and trusted.any()
    else:
        assert drawn.all()
    np.testing.assert_allclose(theory_line.get_ydata()[drawn], expected[drawn])
    brown = _line(ax, "Brownian")
    np.testing.assert_allclose(brown.get_ydata(), ad.theory.eb("fbm", 1.0, lag, t))
    assert f"lag Δ = {lag}" in ax.get_ylabel()


