"""anomdiff: simulate, analyse and learn anomalous diffusion (the course's library).

>>> import anomdiff as ad
>>> x = ad.simulate("ctrw", T=1000, alpha=0.5, N=100, rng=1)
>>> ad.tamsd(x, [1, 10]).shape
(100, 2)

Keras is imported only by :mod:`anomdiff.ml`, matplotlib only by the plotting and widget
helpers, so ``import anomdiff`` is fast.
"""

from . import theory
from .datasets import add_localization_noise, create_dataset, ergodic_labels, normalize
from .ergodicity import eb
from .models import MODELS, alpha_range, simulate
from .msd import eamsd, fit_alpha, tamsd, teamsd

__version__ = "0.1.0"

__all__ = [
    "MODELS", "simulate", "alpha_range", "create_dataset", "normalize",
    "add_localization_noise", "ergodic_labels", "tamsd", "eamsd", "teamsd", "fit_alpha",
    "eb", "theory", "ml",
]


def __getattr__(name):
    # ``ad.ml`` works without importing keras at ``import anomdiff`` time.
    if name in ("ml", "plotting", "widgets", "checks"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'anomdiff' has no attribute {name!r}")
