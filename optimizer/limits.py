"""Named limits on what one run may read or ask for, so a typo or a hostile file cannot
exhaust the machine, and the one rule for numbers in files and flags.

Each limit can be raised with the environment variable named beside it (a whole number); the
message that reports a breach names both. Light on purpose (no pandas): the CLI imports it
before it knows whether it will load data.
"""

from __future__ import annotations

import math
import os
import re

from .errors import InputError, Problem

MB = 1_000_000
DEFAULTS = {
    # Monte Carlo keeps samples x elements floats and samples x suppliers flags in memory
    "REE_SOURCING_MAX_SAMPLES": 1_000_000,
    # in-sample years of a robust objective: each busy year adds a row per element to the LP
    "REE_SOURCING_MAX_SAMPLE_YEARS": 100_000,
    "REE_SOURCING_MAX_GRID_POINTS": 1_000_000,  # a sweep's crossed grid
    "REE_SOURCING_MAX_FRONTIER_POINTS": 1_000,
    "REE_SOURCING_MAX_WORKERS": 256,  # local processes of a sweep
    # What is read. The bundled dataset is 0.3 MB in nine tables of at most 360 rows: these
    # fit a dataset hundreds of times larger and stop a bomb before it is decompressed.
    "REE_SOURCING_MAX_FILE_BYTES": 100 * MB,  # one CSV, workbook, flows or JSON file
    "REE_SOURCING_MAX_ZIP_BYTES": 200 * MB,  # a .zip's or .xlsx's members, uncompressed
    "REE_SOURCING_MAX_ZIP_MEMBERS": 1_000,
    "REE_SOURCING_MAX_ROWS": 200_000,  # rows of one table or sheet
    "REE_SOURCING_MAX_COLUMNS": 500,
    # A policy is a few lines; anchors and aliases have no use in it beyond a few repeats
    "REE_SOURCING_MAX_YAML_BYTES": 1 * MB,
    "REE_SOURCING_MAX_YAML_ALIASES": 20,
    "REE_SOURCING_MAX_YAML_DEPTH": 20,
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


def check_at_most(value: int, name: str, where: str, what: str, verb: str = "asks for") -> None:
    """Refuse `value` above the limit `name`, saying how to raise it."""
    problem = over(value, name, where, what, verb)
    if problem is not None:
        raise InputError(problem)


def over(value: int, name: str, where: str, what: str, verb: str = "asks for") -> Problem | None:
    """The problem of `value` above the limit `name` (None within it), saying how to raise it."""
    top = limit(name)
    if value <= top:
        return None
    return Problem(
        where,
        f"{verb} {value:,} {what}, above the limit of {top:,}: {'ask for fewer' if verb == 'asks for' else 'check it is the right input'}, or raise the limit with the environment variable {name}",
    )


# --- numbers ---------------------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def parse_number(text: str) -> float:
    """The one rule for numbers in files and flags: plain decimals and scientific notation
    (1200, 0.35, -2, 1.5e3). Python's float() also takes '1_000', full-width digits, 'inf' and
    'nan'; those, thousands separators and percent signs raise ValueError saying what to write."""
    t = str(text).strip()
    if _PLAIN_NUMBER.fullmatch(t):
        x = float(t)
        if math.isfinite(x):
            return x
        raise ValueError("is too large: write a plain number such as 1200 or 0.35")
    raise ValueError(_not_a_number(t))


def _not_a_number(t: str) -> str:
    if t.lower().lstrip("+-") in ("inf", "infinity", "nan"):
        return "must be a finite number: write a plain number such as 1200 or 0.35"
    if "," in t and any(c.isdigit() for c in t):
        return "has a comma: write plain digits with a point for decimals (1000, not 1,000; 0.35, not 0,35)"
    if "_" in t:
        return "has an underscore: write plain digits (1000, not 1_000)"
    if "%" in t:
        return "has a percent sign: write a share as a fraction (0.35, not 35%)"
    if any(not c.isascii() and (c.isdigit() or c.isnumeric()) for c in t):
        return "has full-width or other non-ASCII digits: type the number with the digits 0-9"
    if any(c.isspace() for c in t):
        return "has a space inside: write plain digits (1000, not 1 000)"
    return "is not a number: write a plain number such as 1200 or 0.35 (no units, no thousands separators)"
