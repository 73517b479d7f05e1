"""Metrics for any mix (optimized, today's baseline, or a file): risk, China and bloc shares, cost.

A mix is a frame with columns element, supplier, tonnes. Shares are fractions of what is
supplied, so an element that falls short is judged on what actually arrives; the shortfall is
reported beside it. The arithmetic is on dense element x supplier arrays: sweeps call this
thousands of times.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from . import risk
from .dataset import Dataset

CHINA = "CHN"
FORGE = "FORGE"
PORTFOLIO_MEASURES = ("hhi", "wgi_hhi", "max_share", "top3_share", "china_share", "forge_share")


def measure_column(objective: str) -> str:
    """The metrics column holding an objective's value ('cost' -> cost_usd, 'top3' -> top3_share)."""
    return {"cost": "cost_usd", "top3": "top3_share"}.get(objective, objective.replace("-", "_"))


def tonnes_matrix(dataset: Dataset, mix: pd.DataFrame, scope: list[str]) -> np.ndarray:
    """Tonnes as an element x supplier array (rows: scope, columns: dataset suppliers)."""
    rows = {e: i for i, e in enumerate(scope)}
    cols = dataset.supplier_position
    keep = mix["element"].isin(rows).to_numpy()
    out = np.zeros((len(scope), len(cols)))
    np.add.at(
        out,
        (mix["element"][keep].map(rows).to_numpy(), mix["supplier"][keep].map(cols).to_numpy()),
        mix["tonnes"][keep].to_numpy(),
    )
    return out


def baseline_mix(dataset: Dataset, scope: list[str] | None = None) -> pd.DataFrame:
    """Today's mix in tonnes: baseline shares times demand."""
    scope = scope or dataset.demanded_elements
    base = dataset.baseline[dataset.baseline["element"].isin(scope)]
    demand = dataset.elements["demand_t"]
    return pd.DataFrame(
        {
            "element": base["element"].to_numpy(),
            "supplier": base["supplier"].to_numpy(),
            "tonnes": (base["share"] * base["element"].map(demand)).to_numpy(),
        }
    )


def element_measures(
    dataset: Dataset, tonnes: np.ndarray, scope: list[str]
) -> dict[str, np.ndarray]:
    """Per-element measures of an element x supplier tonnes array (see tonnes_matrix)."""
    supplied = tonnes.sum(axis=1)
    shares = np.divide(
        tonnes, supplied[:, None], out=np.zeros_like(tonnes), where=supplied[:, None] > 0
    )
    pos = dataset.supplier_position
    forge = [pos[s] for s in dataset.bloc_members(FORGE)]
    ordered = -np.sort(-shares, axis=1)
    demand = dataset.element_array("demand_t", scope)
    return {
        "demand_t": demand,
        "supplied_t": supplied,
        "unmet_t": np.maximum(demand - supplied, 0.0),
        "hhi": (shares**2).sum(axis=1),
        "wgi_hhi": (shares**2) @ dataset.suppliers["wgi_risk"].to_numpy(dtype=float),
        "max_share": ordered[:, 0],
        "top3_share": ordered[:, : risk.TOP_K].sum(axis=1),
        "china_share": shares[:, pos[CHINA]] if CHINA in pos else np.zeros(len(scope)),
        "forge_share": shares[:, forge].sum(axis=1),
        "cost_usd": (tonnes * dataset.cost_matrix(scope)).sum(axis=1),
    }


def portfolio_measures(per: dict[str, np.ndarray], weights: np.ndarray) -> dict[str, float]:
    """Weighted portfolio values of per-element measures; cost and tonnes are plain sums."""
    out = {c: float(per[c] @ weights) for c in PORTFOLIO_MEASURES}
    out["cost_usd"] = float(per["cost_usd"].sum())
    out["unmet_t"] = float(per["unmet_t"].sum())
    out["demand_t"] = float(per["demand_t"].sum())
    return out


def mix_metrics(
    dataset: Dataset, mix: pd.DataFrame, scope: list[str] | None = None, weighting: str = "value"
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-element metrics and their portfolio (weighted) values for one mix."""
    scope = scope or dataset.demanded_elements
    per = element_measures(dataset, tonnes_matrix(dataset, mix, scope), scope)
    weights = risk.weights(dataset.elements, scope, weighting).to_numpy()
    return pd.DataFrame(per, index=pd.Index(scope, name="element")), portfolio_measures(
        per, weights
    )


@lru_cache(maxsize=64)
def baseline_metrics(
    dataset: Dataset, scope: tuple[str, ...], weighting: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Today's mix scored the same way; cached, since every solve shows it beside its own."""
    return mix_metrics(dataset, baseline_mix(dataset, list(scope)), list(scope), weighting)
