"""Named limits on what one run may ask for, so a typo cannot exhaust the machine.

Each can be raised with the environment variable named beside it (a whole number); the
message that reports a breach names both.
"""

from __future__ import annotations

import os

from .errors import InputError, Problem

DEFAULTS = {
    # Monte Carlo keeps samples x elements floats and samples x suppliers flags in memory
    "REE_SOURCING_MAX_SAMPLES": 1_000_000,
    "REE_SOURCING_MAX_GRID_POINTS": 1_000_000,  # a sweep's crossed grid
    "REE_SOURCING_MAX_FRONTIER_POINTS": 1_000,
}


def limit(name: str) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return DEFAULTS[name]
    try:
        return max(int(raw), 1)
    except ValueError:
        raise InputError(
            Problem(f"environment variable {name}", "must be a whole number", value=raw)
        ) from None


def check_at_most(value: int, name: str, where: str, what: str) -> None:
    """Refuse `value` above the limit `name`, saying how to raise it."""
    top = limit(name)
    if value > top:
        raise InputError(
            Problem(
                where,
                f"asks for {value:,} {what}, above the limit of {top:,}: ask for fewer, or raise the limit with the environment variable {name}",
            )
        )
