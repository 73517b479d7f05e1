"""Benchmarks of the optimizer: `python -m bench` (or `make bench`) runs every group once and
prints a markdown table per group; `--quick` for a ~1 minute version, `--only NAME` for one
group, `--json FILE` for the raw samples. Timings live here, never in tests.

Every ratio compares figures measured in the same run, on the same machine."""

from __future__ import annotations

GROUPS = (
    "network", "single", "frontier", "resolve", "sweep10k", "scaling", "cvar", "montecarlo",
    "security", "plan",
)  # fmt: skip
