"""Metrics for any mix (optimized, today's baseline, or a file): risk, China and bloc shares, cost.

A mix is a frame with columns element, supplier, tonnes. Shares are fractions of what is
supplied, so an element that falls short is judged on what actually arrives; the shortfall is
reported beside it.
"""

from __future__ import annotations

import pandas as pd

from . import risk
from .dataset import Dataset

CHINA = "CHN"
FORGE = "FORGE"


def share_matrix(mix: pd.DataFrame, scope: list[str], suppliers: list[str]) -> pd.DataFrame:
    """Supplied shares, one row per element in `scope`, one column per supplier."""
    tonnes = mix.pivot_table(
        index="element", columns="supplier", values="tonnes", aggfunc="sum", fill_value=0.0
    )
    tonnes = tonnes.reindex(index=scope, columns=suppliers, fill_value=0.0)
    totals = tonnes.sum(axis=1)
    return tonnes.div(totals.where(totals > 0), axis=0).fillna(0.0)


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


def landed_cost(dataset: Dataset, mix: pd.DataFrame) -> pd.Series:
    """USD per element, from each tonne's landed cost; a pair with no offer costs nothing."""
    cost = dataset.offers.set_index(["supplier", "element"])["cost_usd_kg"]
    keys = pd.MultiIndex.from_arrays([mix["supplier"], mix["element"]])
    usd = mix["tonnes"].to_numpy() * cost.reindex(keys).fillna(0.0).to_numpy() * 1000.0
    return pd.Series(usd, index=mix.index).groupby(mix["element"]).sum()


def mix_metrics(
    dataset: Dataset, mix: pd.DataFrame, scope: list[str] | None = None, weighting: str = "value"
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-element metrics and their portfolio (weighted) values for one mix."""
    scope = scope or dataset.demanded_elements
    suppliers = list(dataset.suppliers.index)
    shares = share_matrix(mix, scope, suppliers)
    wgi = dataset.suppliers["wgi_risk"]
    forge = [s for s in dataset.bloc_members(FORGE) if s in shares.columns]
    supplied = mix.groupby("element")["tonnes"].sum().reindex(scope, fill_value=0.0)
    demand = dataset.elements.loc[scope, "demand_t"]
    per = pd.DataFrame(
        {
            "demand_t": demand,
            "supplied_t": supplied,
            "unmet_t": (demand - supplied).clip(lower=0.0),
            "hhi": risk.hhi(shares),
            "wgi_hhi": risk.wgi_hhi(shares, wgi),
            "max_share": risk.max_share(shares),
            "top3_share": risk.top_k_share(shares),
            "china_share": shares[CHINA] if CHINA in shares.columns else 0.0,
            "forge_share": shares[forge].sum(axis=1) if forge else 0.0,
            "cost_usd": landed_cost(dataset, mix).reindex(scope, fill_value=0.0),
        }
    )
    per.index.name = "element"
    w = risk.weights(dataset.elements, scope, weighting)
    portfolio = {
        c: float((per[c] * w).sum())
        for c in ("hhi", "wgi_hhi", "max_share", "top3_share", "china_share", "forge_share")
    }
    portfolio["cost_usd"] = float(per["cost_usd"].sum())
    portfolio["unmet_t"] = float(per["unmet_t"].sum())
    portfolio["demand_t"] = float(per["demand_t"].sum())
    return per, portfolio
