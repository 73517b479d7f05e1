"""Concentration measures: exact values on a mix, and their linear forms for the LP.

Shares here are a supplier's fraction of an element: a frame with one row per element and one
column per supplier. Exact values are what the tool reports; the LP forms are how the model
minimises or caps them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOP_K = 3  # the IEA's headline "top-3 producers' share"


def hhi(shares: pd.DataFrame) -> pd.Series:
    """Herfindahl-Hirschman index per element: sum of squared shares (1 = one supplier)."""
    return (shares**2).sum(axis=1)


def wgi_hhi(shares: pd.DataFrame, wgi_risk: pd.Series) -> pd.Series:
    """Governance-weighted HHI (EU criticality method): sum of wgi_risk * share^2."""
    return (shares**2 * wgi_risk.reindex(shares.columns).to_numpy()).sum(axis=1)


def max_share(shares: pd.DataFrame) -> pd.Series:
    return shares.max(axis=1)


def top_k_share(shares: pd.DataFrame, k: int = TOP_K) -> pd.Series:
    top = -np.sort(-shares.to_numpy(), axis=1)[:, :k]
    return pd.Series(top.sum(axis=1), index=shares.index)


def measure(name: str, shares: pd.DataFrame, wgi_risk: pd.Series) -> pd.Series:
    """The exact value of a risk measure by its objective name."""
    if name == "hhi":
        return hhi(shares)
    if name == "wgi-hhi":
        return wgi_hhi(shares, wgi_risk)
    if name == "max-share":
        return max_share(shares)
    if name == "top3":
        return top_k_share(shares)
    raise ValueError(f"not a concentration measure: {name}")


def tangent_cut(q: float | np.ndarray) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Slope and intercept of the tangent to p^2 at p = q: t >= 2q p - q^2 (exact at q)."""
    return 2.0 * q, -q * q


# Initial tangent points for HHI cuts: enough that the first LP is a fair approximation, so
# Kelley's loop needs only a few rounds; more are added where the solution lands.
INITIAL_CUT_POINTS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def weights(elements: pd.DataFrame, scope: list[str], how: str) -> pd.Series:
    """How per-element risk combines into one portfolio number; sums to 1 over `scope`."""
    demand = elements.loc[scope, "demand_t"].astype(float)
    if how == "value":
        raw = demand * elements.loc[scope, "price_usd_kg"].astype(float)
        if raw.sum() <= 0:
            raw = demand
    elif how == "volume":
        raw = demand
    else:
        raw = pd.Series(1.0, index=scope)
    return raw / raw.sum()
