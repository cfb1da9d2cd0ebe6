"""Redraw times of the course's demos (anomdiff.widgets): a typical change and the worst.

Target (issue 5): a typical slider change redraws in under 0.5 s of CPU on 2 cores.
Run on an idle machine: ``python benchmarks/widgets.py``.
"""

import statistics
import time

import matplotlib

matplotlib.use("Agg")

from anomdiff import widgets  # noqa: E402

TYPICAL_TARGET = 0.5  # seconds of CPU per typical change


def _neighbour(slider):
    """A value one step from the slider's current one (the next option of a dropdown)."""
    if hasattr(slider, "options"):
        opts = [o[1] if isinstance(o, tuple) else o for o in slider.options]
        i = opts.index(slider.value) if slider.value in opts else 0
        return opts[i + 1] if i + 1 < len(opts) else opts[i - 1]
    if isinstance(slider.value, bool):
        return not slider.value
    if isinstance(slider.value, tuple):
        lo, hi = slider.value
        return (lo, hi + slider.step) if hi + slider.step <= slider.max else (lo - slider.step, hi)
    up = slider.value + slider.step
    return up if up <= slider.max else slider.value - slider.step


def _ends(slider):
    if hasattr(slider, "options"):
        return [o[1] if isinstance(o, tuple) else o for o in slider.options]
    if isinstance(slider.value, tuple):
        return [(slider.min, slider.min + slider.step), (slider.max - slider.step, slider.max)]
    return [slider.min, slider.max]


def _restore(demo, defaults):
    with demo.hold():
        for name, value in defaults.items():
            demo.sliders[name].value = value


def _cpu(demo, name, value):
    t0 = time.process_time()
    demo.sliders[name].value = value
    demo.png()
    return time.process_time() - t0


def main():
    print(f"{'demo':22s} {'typical [s]':>11s} {'worst [s]':>10s}  worst change          target")
    for fn in sorted(n for n in widgets.__all__ if n.startswith("explore_")):
        demo = getattr(widgets, fn)(show=False)
        defaults = {k: s.value for k, s in demo.sliders.items()}
        typical = []
        for name, slider in demo.sliders.items():
            typical.append(_cpu(demo, name, _neighbour(slider)))
            _restore(demo, defaults)
        worst = (0.0, "")
        for name, slider in demo.sliders.items():
            for value in _ends(slider):
                worst = max(worst, (_cpu(demo, name, value), f"{name}={value!r}"))
            _restore(demo, defaults)
        med = statistics.median(typical)
        ok = "ok" if med < TYPICAL_TARGET else "MISSED"
        print(f"{fn:22s} {med:11.3f} {worst[0]:10.2f}  {worst[1]:20s}  < {TYPICAL_TARGET} {ok}")


if __name__ == "__main__":
    main()
