"""Rare-earth sourcing optimizer: least-risk supply mixes for South Korea within a cost limit.

from optimizer import load_dataset, Policy, optimize
ds = load_dataset()                       # the bundled reference data
sol = optimize(ds, Policy(country_cap=0.5))
sol.allocation, sol.metrics, sol.shadow_prices
"""

from .dataset import Dataset, load_dataset
from .errors import InputError, Problem
from .policy import PRESETS, Policy, from_dict, load_policy
from .solution import Solution, optimize

__all__ = [
    "PRESETS",
    "Dataset",
    "InputError",
    "Policy",
    "Problem",
    "Solution",
    "from_dict",
    "load_dataset",
    "load_policy",
    "optimize",
]
