"""The bundled network, scaled by cloning, for the scaling benchmark.

`write_scaled(folder, k_e, k_p)` copies the bundled dataset's tables (data/*.csv, the ones the
dataset contract knows) and grows them two ways:

- **elements x k_e**: every element gets k_e - 1 twins (`Nd` -> `Nd2`, `Nd3`, ...) with the same
  figures, and every row that names an element (capacity, specific feed rules, demand, today's
  flows, scenarios, rules, stockpile, recovery, project capacity, demand growth) is copied for
  each twin; rows for every element (`*`) cover the twins by themselves. Demand grows k_e times.
- **plants outside China x k_p**: every plant whose country is not CHN gets k_p - 1 copies in
  the same country and stage (`JPN-SEP` -> `JPN-SEP-C2`, ...; the original keeps its id, so
  projects still name it). Capacity is split evenly between the copies (same cost), so the
  world's capacity, Korea's demand and the economics stay those of the bundled data.
  A feed rule between two named plants becomes one rule per copy, copy i -> copy i; a rule
  with one named plant and one STAGE:COUNTRY side is copied for each copy of the named plant;
  STAGE:COUNTRY rules stay as they are and reach every copy (so their arcs grow as k_p^2).
  Today's flows are split the same way (copy i -> copy i between cloned plants, 1/k_p of the
  tonnes on each), so every copy conserves, fits its capacity and demand is met as today.

Size factor = k_e x k_p. The files are written as CSVs and read back with load_dataset(), so they
pass the same validation as a user's data.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from optimizer import load_dataset
from optimizer.dataset import Dataset
from optimizer.schema import ANY_ELEMENT, BUNDLED_DATA, TABLES

CHINA = "CHN"
# (k_e, k_p) per size label: size factor k_e x k_p
SIZES = {
    "1x": (1, 1),
    "3x": (1, 3),
    "10x": (2, 5),
    "30x": (5, 6),
    "100x": (10, 10),
}
# Numeric columns of the bundled tables a plant copy gets its share of.
SPLIT = {"capacity": ("capacity_t", "total_capacity_t"), "baseline_flows": ("tonnes",)}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(BUNDLED_DATA / f"{name}.csv", dtype=str, keep_default_na=False)


def _twin(code: str, i: int) -> str:
    return code if i == 1 else f"{code}{i}"


def _copy(plant: str, i: int) -> str:
    return plant if i == 1 else f"{plant}-C{i}"


def _clone_elements(frames: dict[str, pd.DataFrame], k: int) -> None:
    if k == 1:
        return
    for name, frame in frames.items():
        if "element" not in frame.columns:
            continue
        parts = [frame]
        specific = frame["element"] != ANY_ELEMENT
        for i in range(2, k + 1):
            twin = frame[specific].copy()
            twin["element"] = twin["element"].map(lambda e, i=i: _twin(e, i))
            if name == "elements":
                twin["name"] = twin["name"] + f" ({i})"
            parts.append(twin)
        frames[name] = pd.concat(parts, ignore_index=True)


def _scaled(value: str, k: int) -> str:
    return value if value.strip() == "" else repr(float(value) / k)


def _clone_plants(frames: dict[str, pd.DataFrame], k: int) -> None:
    if k == 1:
        return
    plants = frames["plants"]
    cloned = set(plants.loc[plants["country"] != CHINA, "plant"])

    def copies(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        """Each row naming a cloned plant in `column`, once per copy (original first)."""
        hit = frame[column].isin(cloned)
        parts = [frame]
        for i in range(2, k + 1):
            c = frame[hit].copy()
            c[column] = c[column].map(lambda p, i=i: _copy(p, i))
            parts.append(c)
        return pd.concat(parts, ignore_index=True)

    def paired(frame: pd.DataFrame) -> pd.DataFrame:
        """from/to rows: copy i -> copy i where both ends are cloned, else each copy of the
        cloned end with the other end."""
        hit = frame["from"].isin(cloned) | frame["to"].isin(cloned)
        parts = [frame]
        for i in range(2, k + 1):
            c = frame[hit].copy()
            for col in ("from", "to"):
                c[col] = c[col].map(lambda p, i=i: _copy(p, i) if p in cloned else p)
            parts.append(c)
        return pd.concat(parts, ignore_index=True)

    parts = [plants]
    for i in range(2, k + 1):
        c = plants[plants["plant"].isin(cloned)].copy()
        c["plant"] = c["plant"].map(lambda p, i=i: _copy(p, i))
        c["name"] = c["name"] + f" (copy {i})"
        parts.append(c)
    frames["plants"] = pd.concat(parts, ignore_index=True)

    cap = frames["capacity"]
    hit = cap["plant"].isin(cloned)
    for col in SPLIT["capacity"]:
        if col in cap.columns:
            cap.loc[hit, col] = cap.loc[hit, col].map(lambda v: _scaled(v, k))
    frames["capacity"] = copies(cap, "plant")

    frames["feeds"] = paired(frames["feeds"])

    flows = frames["baseline_flows"]
    touched = flows["from"].isin(cloned) | flows["to"].isin(cloned)
    for col in SPLIT["baseline_flows"]:
        flows.loc[touched, col] = flows.loc[touched, col].map(lambda v: _scaled(v, k))
    frames["baseline_flows"] = paired(flows)

    if "recovery" in frames:
        frames["recovery"] = copies(frames["recovery"], "node")


def write_scaled(folder: Path, k_e: int, k_p: int) -> Path:
    """The bundled dataset with elements x k_e and plants outside China x k_p (see above)."""
    folder.mkdir(parents=True, exist_ok=True)
    frames = {n: _read(n) for n in TABLES if (BUNDLED_DATA / f"{n}.csv").exists()}
    _clone_elements(frames, k_e)
    _clone_plants(frames, k_p)
    if "meta" in frames:
        m = frames["meta"]
        m.loc[m["key"] == "name", "value"] = (
            m.loc[m["key"] == "name", "value"] + f" (benchmark: elements x {k_e}, plants x {k_p})"
        )
    for name, frame in frames.items():
        frame.to_csv(folder / f"{name}.csv", index=False, quoting=csv.QUOTE_MINIMAL)
    return folder


def scaled(folder: Path, k_e: int, k_p: int) -> Dataset:
    return load_dataset(write_scaled(folder, k_e, k_p))
