"""Rare-earth sourcing optimizer: least-risk supply mixes for South Korea within a cost limit.

from optimizer import load_dataset, Policy, optimize
ds = load_dataset()                       # the bundled reference data
sol = optimize(ds, Policy(country_cap=0.5))
sol.allocation, sol.metrics, sol.shadow_prices
"""

from importlib import import_module

from .errors import InputError, Problem

# The rest on first use (PEP 562): the command line's --help needs neither pandas nor PuLP.
_LAZY = {
    "Dataset": ".dataset", "load_dataset": ".dataset", "PRESETS": ".policy", "Policy": ".policy",
    "from_dict": ".policy", "load_policy": ".policy", "Solution": ".solution",
    "optimize": ".solution",
}  # fmt: skip


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
