"""anomdiff: simulate, analyse and learn anomalous diffusion (the course's library).

>>> import anomdiff as ad
>>> x = ad.simulate("ctrw", T=1000, alpha=0.5, N=100, rng=1)
>>> ad.tamsd(x, [1, 10]).shape
(100, 2)

Keras is imported only by :mod:`anomdiff.ml`, matplotlib only by the plotting and widget
helpers, pandas only by the tracking-table helpers, so ``import anomdiff`` is fast. Those
submodules load on first use (``ad.ml``, ``ad.plotting``, ``ad.widgets``, ``ad.checks``).
"""

import importlib

from . import displacements, theory
from .datasets import add_localization_noise, create_dataset, ergodic_labels, normalize
from .ergodicity import eb
from .estimators import mle_alpha, mle_interval
from .models import ERGODIC_MODELS, MODELS, alpha_range, simulate
from .msd import eamsd, fit_alpha, tamsd, teamsd
from .units import diffusivity_to_physical, to_physical

__version__ = "0.2.0"

__all__ = [
    "MODELS", "ERGODIC_MODELS", "simulate", "alpha_range", "create_dataset", "normalize",
    "add_localization_noise", "ergodic_labels", "tamsd", "eamsd", "teamsd", "fit_alpha", "mle_alpha", "mle_interval",
    "eb", "theory", "displacements", "to_physical", "diffusivity_to_physical",
]

# Submodules with optional dependencies (Keras, matplotlib, ipywidgets): loaded on first
# access, never by ``import anomdiff`` or ``from anomdiff import *``.
_LAZY_SUBMODULES = ("ml", "plotting", "widgets", "checks")


# Functions that need pandas (anomdiff.tracks), loaded on first access like the submodules.
_LAZY_FUNCTIONS = {"tracks_from_dataframe": "tracks", "tracks_to_dataframe": "tracks",
                   "example_tracks": "tracks"}


def __getattr__(name):
    if name in _LAZY_SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_FUNCTIONS:
        return getattr(importlib.import_module(f".{_LAZY_FUNCTIONS[name]}", __name__), name)
    raise AttributeError(f"module 'anomdiff' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_FUNCTIONS))
