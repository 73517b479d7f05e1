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


def write_stage_dataset(
    folder: Path,
    elements: list[dict],
    suppliers: list[dict],
    plants: list[dict],
    capacity: list[dict],
    baseline_flows: list[dict],
    feeds: list[dict] | None = None,
    demand: list[dict] | None = None,
    scenarios: list[dict] | None = None,
) -> Path:
    """A dataset in the stage form; plants default to operating, every row to SRC."""
    folder.mkdir(parents=True, exist_ok=True)
    write_dataset(folder, elements, suppliers, offers=[], baseline=[])
    for name in ("offers", "baseline"):
        (folder / f"{name}.csv").unlink()
    pl = [
        {
            "name": p["plant"],
            "operator": "",
            "plant_status": "operating",
            "first_year": "",
            **SRC,
            **p,
        }
        for p in plants
    ]
    tables = {
        "plants": pl,
        "capacity": [{**SRC, **c} for c in capacity],
        "baseline_flows": [{**SRC, **f} for f in baseline_flows],
    }
    if feeds:
        tables["feeds"] = [{"element": "*", **SRC, **f} for f in feeds]
    if demand:
        tables["demand"] = [{**SRC, **d} for d in demand]
    if scenarios is not None:
        tables["scenarios"] = scenarios
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    return folder


def two_stage(folder: Path, demand: float = 100.0) -> Path:
    """Magnets of one element X: Chinese ore -> Chinese separation (cheap), Australian ore ->
    Malaysian separation (dear), both into a Japanese magnet maker that also makes the metal.
    Landed USD/kg: CHN route 10 + 5 + 20 = 35; AUS-MYS route 12 + 15 + 20 = 47;
    AUS ore through China 12 + 5 + 20 = 37."""
    return write_stage_dataset(
        folder,
        elements=[{"element": "X", "demand_t": demand}],
        suppliers=[
            {"supplier": "CHN"},
            {"supplier": "AUS", "blocs": "FORGE"},
            {"supplier": "MYS"},
            {"supplier": "JPN", "blocs": "FORGE"},
        ],
        plants=[
            {"plant": "CN-MINE", "country": "CHN", "stage": "mine"},
            {"plant": "AU-MINE", "country": "AUS", "stage": "mine"},
            {"plant": "CN-SEP", "country": "CHN", "stage": "separation"},
            {"plant": "MY-SEP", "country": "MYS", "stage": "separation"},
            {"plant": "JP-MAG", "country": "JPN", "stage": "magnet"},
        ],
        capacity=[
            {"plant": "CN-MINE", "element": "X", "capacity_t": 1000, "cost_usd_kg": 10},
            {"plant": "AU-MINE", "element": "X", "capacity_t": 1000, "cost_usd_kg": 12},
            {"plant": "CN-SEP", "element": "X", "capacity_t": 1000, "cost_usd_kg": 5},
            {"plant": "MY-SEP", "element": "X", "capacity_t": 1000, "cost_usd_kg": 15},
            {"plant": "JP-MAG", "element": "X", "capacity_t": 1000, "cost_usd_kg": 20},
        ],
        feeds=[
            {"from": "mine:*", "to": "CN-SEP"},
            {"from": "AU-MINE", "to": "MY-SEP"},
            {"from": "separation:*", "to": "JP-MAG"},
        ],
        demand=[{"element": "X", "form": "magnet", "demand_t": demand}],
        baseline_flows=[
            {"element": "X", "from": "CN-MINE", "to": "CN-SEP", "tonnes": demand},
            {"element": "X", "from": "CN-SEP", "to": "JP-MAG", "tonnes": demand},
            {"element": "X", "from": "JP-MAG", "to": "korea", "tonnes": demand},
        ],
    )
