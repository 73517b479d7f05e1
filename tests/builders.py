"""Small hand-made datasets for tests: a few suppliers and elements whose optimum is known."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SRC = {"source": "test", "status": "estimate"}


def write_dataset(
    folder: Path,
    elements: list[dict],
    suppliers: list[dict],
    offers: list[dict],
    baseline: list[dict] | None = None,
    scenarios: list[dict] | None = None,
) -> Path:
    """Write the tables as CSVs, filling the columns a test does not care about."""
    folder.mkdir(parents=True, exist_ok=True)
    el = [
        {"name": e["element"], "group": "light", "price_usd_kg": 10.0, **SRC, **e} for e in elements
    ]
    su = [
        {
            "name": s["supplier"],
            "kind": "country",
            "wgi_risk": 5.0,
            "lead_time_days": 30,
            "blocs": "",
            **SRC,
            **s,
        }
        for s in suppliers
    ]
    of = [{**SRC, **o} for o in offers]
    if baseline is None:  # today: everything from each element's first offer
        firsts = {}
        for o in offers:
            firsts.setdefault(o["element"], o["supplier"])
        baseline = [{"element": e, "supplier": s, "share": 1.0} for e, s in firsts.items()]
    tables = {"elements": el, "suppliers": su, "offers": of, "baseline": baseline}
    if scenarios is not None:
        tables["scenarios"] = scenarios
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def two_suppliers(
    folder: Path,
    cost_a: float = 10.0,
    cost_b: float = 20.0,
    demand: float = 100.0,
    cap_a: float = 1000.0,
    cap_b: float = 1000.0,
) -> Path:
    """One element X, suppliers A (cheap) and B (dear)."""
    return write_dataset(
        folder,
        elements=[{"element": "X", "demand_t": demand}],
        suppliers=[{"supplier": "AAA", "blocs": "FORGE"}, {"supplier": "BBB"}],
        offers=[
            {"supplier": "AAA", "element": "X", "capacity_t": cap_a, "cost_usd_kg": cost_a},
            {"supplier": "BBB", "element": "X", "capacity_t": cap_b, "cost_usd_kg": cost_b},
        ],
    )
