"""Deterministic synthetic datasets (seeded) for the scaling and CVaR benchmarks.

Shapes follow the bundled data: one dominant, cheapest supplier (CHN) that offers every element,
and many smaller, dearer ones; each offer's capacity is a fraction of the element's demand, so
every element can be fully supplied and the HHI optimum spreads over several suppliers. The files
are written as CSVs and read back with load_dataset(), so they pass the same validation as a
user's data.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from optimizer import load_dataset
from optimizer.dataset import Dataset

SRC = {"source": "synthetic benchmark data", "status": "estimate"}
BLOCS = ("FORGE", "FTA", "ASEAN")


def write_synthetic(
    folder: Path, n_suppliers: int, n_elements: int, n_scenarios: int = 5, seed: int = 0
) -> Path:
    """N suppliers x M elements, every supplier offering every element."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    elements = [f"E{i:03d}" for i in range(n_elements)]
    suppliers = ["CHN"] + [f"S{i:03d}" for i in range(1, n_suppliers)]
    demand = rng.uniform(50.0, 2000.0, n_elements).round(1)
    price = rng.uniform(1.0, 500.0, n_elements).round(2)
    el = pd.DataFrame(
        {
            "element": elements,
            "name": elements,
            "group": rng.choice(["light", "medium", "heavy", "other"], n_elements),
            "demand_t": demand,
            "price_usd_kg": price,
            **SRC,
        }
    )
    blocs = [
        ";".join(b for b in BLOCS if rng.random() < 0.3) if j else "FTA" for j in range(n_suppliers)
    ]
    su = pd.DataFrame(
        {
            "supplier": suppliers,
            "name": suppliers,
            "kind": "country",
            "wgi_risk": rng.uniform(0.5, 9.5, n_suppliers).round(2),
            "lead_time_days": rng.integers(5, 60, n_suppliers),
            "blocs": blocs,
            **SRC,
            "outage_probability": rng.uniform(0.01, 0.25, n_suppliers).round(3),
        }
    )
    sup_idx, el_idx = np.meshgrid(np.arange(n_suppliers), np.arange(n_elements), indexing="ij")
    sup_idx, el_idx = sup_idx.ravel(), el_idx.ravel()
    china = sup_idx == 0
    share = np.where(
        china, rng.uniform(0.6, 1.2, len(sup_idx)), rng.uniform(0.02, 0.4, len(sup_idx))
    )
    markup = np.where(
        china, rng.uniform(0.8, 1.0, len(sup_idx)), rng.uniform(1.0, 1.6, len(sup_idx))
    )
    of = pd.DataFrame(
        {
            "supplier": [suppliers[j] for j in sup_idx],
            "element": [elements[i] for i in el_idx],
            "capacity_t": (share * demand[el_idx]).round(2),
            "cost_usd_kg": (markup * price[el_idx]).round(3),
            **SRC,
        }
    )
    # today: 70% China, 30% one other supplier per element
    other = rng.integers(1, max(n_suppliers, 2), n_elements) if n_suppliers > 1 else None
    base = []
    for i, e in enumerate(elements):
        if other is None:
            base.append({"element": e, "supplier": "CHN", "share": 1.0})
        else:
            base.append({"element": e, "supplier": "CHN", "share": 0.7})
            base.append({"element": e, "supplier": suppliers[other[i]], "share": 0.3})
    pd.DataFrame(el).to_csv(folder / "elements.csv", index=False)
    su.to_csv(folder / "suppliers.csv", index=False)
    of.to_csv(folder / "offers.csv", index=False)
    pd.DataFrame(base).to_csv(folder / "baseline.csv", index=False)
    scenario_frame(suppliers, n_scenarios, rng).to_csv(folder / "scenarios.csv", index=False)
    return folder


def scenario_frame(suppliers: list[str], n: int, rng: np.random.Generator) -> pd.DataFrame:
    """n independent events, each stopping part of 1-3 suppliers' offers (every element) for
    30-365 days; their yearly probabilities sum to 0.9."""
    weight = rng.uniform(0.2, 1.0, n)
    prob = 0.9 * weight / weight.sum()
    rows = []
    for k in range(n):
        hit = rng.choice(
            suppliers, size=min(len(suppliers), int(rng.integers(1, 4))), replace=False
        )
        duration = int(rng.integers(30, 366))
        for s in hit:
            rows.append(
                {
                    "scenario": f"sc{k:04d}",
                    "supplier": s,
                    "element": "*",
                    "availability": round(float(rng.uniform(0.0, 0.8)), 3),
                    "probability": float(prob[k]),
                    "description": "synthetic",
                    "duration_days": duration,
                    **SRC,
                }
            )
    return pd.DataFrame(rows)


def synthetic(folder: Path, n_suppliers: int, n_elements: int, seed: int = 0) -> Dataset:
    return load_dataset(write_synthetic(folder, n_suppliers, n_elements, seed=seed))
