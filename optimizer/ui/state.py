"""What the app keeps between reruns, and the cached calls into the library.

Solves, frontiers, map frames and export files are cached on (data_key, policy), so a widget
change that returns to an earlier setting costs nothing and a new one costs one solve. The data
key of an uploaded dataset includes the session's own random token: one session is never
answered from another's upload (issue 16), while the bundled data's results are shared. The
session keeps the dataset in use and the last good solution: a rejected upload or an impossible
policy is reported without losing either.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import tempfile
import threading
import time
import uuid
import zipfile
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

if TYPE_CHECKING:  # geopandas loads in the functions that use it: the first page needs none
    import geopandas as gpd

from .. import export, geo, maps
from ..dataset import Dataset, load_dataset
from ..errors import InputError, Problem
from ..frontier import Frontier, frontier
from ..plan import Plan, PlanSettings
from ..plan import plan as run_plan
from ..policy import Policy
from ..scenarios import held_days, stress_test
from ..schema import write_template
from ..session import sweep
from ..solution import Solution, optimize
from ..uncertainty import MonteCarlo, monte_carlo

DATASET = "dataset"  # the Dataset in use
SOLUTION = "solution"  # the last good Solution
UPLOAD_PROBLEMS = "upload_problems"  # (file name, [Problem]) of the last rejected upload
UPLOAD_SEEN = "upload_seen"  # file id of the last upload handled, so it is read once
UPLOAD_NAME = "upload_name"  # name of the uploaded file in use, None for the bundled data
ACCEPTED = (".xlsx", ".zip")
FRONTIER_POINTS = 25
DATA_ENV = "REE_SOURCING_DATA"  # a dataset path the app starts with instead of the bundled data


TOKEN = "_session_token"  # this session's own key for what it uploaded


def policy_key(policy: Policy) -> str:
    """A stable text key for caches: the full, resolved policy."""
    return json.dumps(policy.to_dict(), sort_keys=True, default=str)


def session_token(session: MutableMapping[str, Any] | None = None) -> str:
    """A random key of this session (made on first use). Outside a script run: 'local'."""
    try:
        ss = st.session_state if session is None else session
        if TOKEN not in ss:
            ss[TOKEN] = uuid.uuid4().hex
        return str(ss[TOKEN])
    except Exception:
        return "local"


def data_key(dataset: Dataset, session: MutableMapping[str, Any] | None = None) -> str:
    """The cache key of a dataset *for this session*: the bundled data (the same object for
    every session, no one's secret) share results; anything else - an upload, a dataset a test
    put in - is keyed on this session's own token, its fingerprint and its origin, so no other
    session can ever be answered from it, even one that uploads the same bytes."""
    if dataset is bundled_dataset():
        return f"bundled:{dataset.fingerprint}"
    return f"session:{session_token(session)}:{dataset.fingerprint}:{dataset.origin}"


# --- data ----------------------------------------------------------------------------------


def start_path() -> str | None:
    """The dataset the app starts with: $REE_SOURCING_DATA if set, else the bundled data."""
    return os.environ.get(DATA_ENV) or None


@st.cache_resource(show_spinner=False)
def _load_start(path: str | None) -> Dataset:
    return load_dataset(path)


def bundled_dataset() -> Dataset:
    return _load_start(start_path())


@st.cache_resource(show_spinner=False)
def boundaries() -> gpd.GeoDataFrame:
    return geo.load_boundaries()


@st.cache_resource(show_spinner=False)
def boundary_geojson() -> dict[str, Any]:
    """Every country's shape as GeoJSON (feature id = ISO3) for the choropleth, built once."""
    return maps.display_geojson(boundaries())


def read_upload(data: bytes, filename: str) -> Dataset:
    """A dataset from uploaded bytes (.xlsx workbook or .zip of CSVs), validated by the library.

    Raises InputError listing every problem, each with the file (or sheet), row and column.
    The dataset's origin is the uploaded file's name, which is what the user has on disk.
    """
    name = Path(filename).name or "upload"
    if Path(name).suffix.lower() not in ACCEPTED:
        raise InputError(
            Problem(
                name,
                "cannot read this kind of file: upload an .xlsx workbook or a .zip of CSV files",
            )
        )
    with tempfile.TemporaryDirectory(prefix="ree-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            dataset = load_dataset(path)
        except InputError:
            raise
        except Exception as e:  # a reader bug must not take the session down
            raise InputError(
                Problem(
                    name,
                    f"could not be read ({type(e).__name__}: {e}); check the file opens in Excel",
                )
            ) from None
    return dataclasses.replace(dataset, origin=name)


def handle_upload(session: MutableMapping[str, Any], data: bytes, filename: str) -> bool:
    """Try an uploaded dataset. On success it becomes the session's dataset; on failure its
    problems are recorded and the current dataset and last good results are kept."""
    try:
        dataset = read_upload(data, filename)
    except InputError as e:
        session[UPLOAD_PROBLEMS] = (Path(filename).name, list(e.problems))
        return False
    session[DATASET] = dataset
    session[UPLOAD_NAME] = Path(filename).name
    session[UPLOAD_PROBLEMS] = None
    return True


def problem_table(problems: list[Problem]) -> pd.DataFrame:
    """Problems as rows a user can act on: file, row, column, value, what to do."""
    return pd.DataFrame(
        [
            {
                "file": p.where,
                "row": p.row,
                "column": p.column or "",
                "value": "" if p.value is None else str(p.value),
                "problem": p.message,
            }
            for p in problems
        ],
        columns=["file", "row", "column", "value", "problem"],
    ).astype({"row": "Int64"})


def current_dataset(session: MutableMapping[str, Any]) -> Dataset:
    if DATASET not in session:
        session[DATASET] = bundled_dataset()
        session[UPLOAD_NAME] = None
    return session[DATASET]


def use_bundled(session: MutableMapping[str, Any]) -> None:
    session[DATASET] = bundled_dataset()
    session[UPLOAD_NAME] = None
    session[UPLOAD_PROBLEMS] = None


# --- solves --------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=128)
def _solve(_dataset: Dataset, dkey: str, key: str, _policy: Policy) -> Solved:
    started = time.perf_counter()
    solution = optimize(_dataset, _policy)
    return Solved(solution, time.perf_counter() - started)


@dataclass(frozen=True)
class Solved:
    solution: Solution
    seconds: float  # wall time of optimize(), when it ran (not when the cache answered)


def solve(dataset: Dataset, policy: Policy) -> Solved:
    """The library's optimize(), cached on the dataset fingerprint and the policy. Raises the
    library's InputError for a policy the dataset cannot take."""
    return _solve(dataset, data_key(dataset), policy_key(policy), policy)


FRONTIERS_KEPT = 16


@st.cache_resource(show_spinner=False)
def _frontier_store() -> tuple[threading.Lock, OrderedDict[str, Frontier]]:
    """Finished frontiers (newest last), keyed on data_key: an upload's stay its session's."""
    return threading.Lock(), OrderedDict()


def _frontier_key(dataset: Dataset, policy: Policy, points: int) -> str:
    return json.dumps([data_key(dataset), policy_key(policy), points])


def cached_frontier(
    dataset: Dataset, policy: Policy, points: int = FRONTIER_POINTS
) -> Frontier | None:
    lock, store = _frontier_store()
    key = _frontier_key(dataset, policy, points)
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def solve_frontier(
    dataset: Dataset,
    policy: Policy,
    points: int = FRONTIER_POINTS,
    progress: Callable[[int, int], None] | None = None,
) -> Frontier:
    """The cost-risk frontier for this policy (the policy's budget is what moves), kept for the
    next ask. `progress(done, points)` is the library's own count, called after each point."""
    found = cached_frontier(dataset, policy, points)
    if found is not None:
        return found
    key = _frontier_key(dataset, policy, points)
    front = frontier(dataset, policy, points, progress=progress)
    lock, store = _frontier_store()
    with lock:
        store[key] = front
        while len(store) > FRONTIERS_KEPT:
            store.popitem(last=False)
    return front


# --- disruptions and sweeps ----------------------------------------------------------------

MIXES = maps.MIXES  # today's mix and the solution's


@st.cache_data(show_spinner=False, max_entries=64)
def _stress(
    dkey: str, key: str, mix: str, stockpile_days: float | None, _solution: Solution
) -> pd.DataFrame:
    sized = mix == "optimized" and _solution.policy.stockpile_max_days is not None
    return stress_test(
        _solution.dataset,
        maps.mix_of(_solution, mix),
        _solution.policy.scenarios,
        # the policy's stock (its days, or the table's raised to its target): what
        # `stockpile_days` says, with the target applied
        _solution.stock_days
        if sized
        else held_days(_solution.dataset, _solution.policy, _solution.scope),
    )


def stress(solution: Solution, mix: str, stockpile_days: float | None) -> pd.DataFrame:
    """The library's stress_test of today's mix ('baseline') or the optimized one, over the
    solution's scope and the policy's scenarios, with this many days of stock (None: the
    dataset's stockpile table)."""
    return _stress(
        data_key(solution.dataset), policy_key(solution.policy), mix, stockpile_days, solution
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _monte_carlo(
    dkey: str, key: str, mix: str, samples: int, seed: int, _solution: Solution
) -> MonteCarlo:
    stock = (
        _solution.stock_days
        if mix == "optimized"
        else held_days(_solution.dataset, _solution.policy, _solution.scope)
    )
    return monte_carlo(_solution.dataset, maps.mix_of(_solution, mix), samples, seed, stock)


def simulate(solution: Solution, mix: str, samples: int, seed: int) -> MonteCarlo:
    """The library's monte_carlo of one mix (with the optimized plan's stock for the optimized
    mix), cached on dataset, policy, samples and seed."""
    return _monte_carlo(
        data_key(solution.dataset), policy_key(solution.policy), mix, samples, seed, solution
    )


# --- the plan to 2030 ----------------------------------------------------------------------


def plan_key(settings: PlanSettings) -> str:
    return json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str)


@st.cache_resource(show_spinner=False, max_entries=16)
def _plan(dkey: str, key: str, marginal: bool, _dataset: Dataset, _settings: PlanSettings) -> Plan:
    return run_plan(_dataset, _settings, marginal=marginal)


def solve_plan(dataset: Dataset, settings: PlanSettings, marginal: bool) -> Plan:
    """The library's multi-year plan (optimizer.plan.plan), cached on the dataset key, the
    settings and whether marginal values were asked. Raises the library's InputError for
    settings it cannot take."""
    return _plan(data_key(dataset), plan_key(settings), bool(marginal), dataset, settings)


def deferred_plan_file(result: Plan) -> Callable[[], bytes]:
    """The plan as .xlsx (optimizer.export.write_plan: a sheet per table), written on click."""
    return lambda: _via_tempfile(lambda p: export.write_plan(result, p), ".xlsx")


SWEEPS_KEPT = 16


@st.cache_resource(show_spinner=False)
def _sweep_store() -> tuple[threading.Lock, OrderedDict[str, pd.DataFrame]]:
    """Finished sweeps (newest last), keyed on data_key, so an upload's sweeps stay its
    session's. A plain store rather than a cached function, so the progress bar is drawn by
    the caller, not replayed by the cache."""
    return threading.Lock(), OrderedDict()


def sweep_key(dataset: Dataset, policy: Policy, grids: dict[str, list[float]]) -> str:
    return json.dumps(
        {"dataset": data_key(dataset), "policy": policy_key(policy), "grids": grids},
        sort_keys=True,
    )


def cached_sweep(
    dataset: Dataset, policy: Policy, grids: dict[str, list[float]]
) -> pd.DataFrame | None:
    """A finished sweep of exactly this dataset, policy and grid, or None."""
    lock, store = _sweep_store()
    key = sweep_key(dataset, policy, grids)
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def run_sweep(
    dataset: Dataset,
    policy: Policy,
    grids: dict[str, list[float]],
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """The library's sweep (one re-used model, in this process), kept for the next ask."""
    found = cached_sweep(dataset, policy, grids)
    if found is not None:
        return found
    table = sweep(dataset, policy, grids, workers=1, progress=progress)
    lock, store = _sweep_store()
    with lock:
        store[sweep_key(dataset, policy, grids)] = table
        while len(store) > SWEEPS_KEPT:
            store.popitem(last=False)
    return table


def sweep_csv(table: pd.DataFrame) -> bytes:
    """A sweep table as the command line writes it (optimizer.export.write_tables)."""
    return _via_tempfile(lambda p: export.write_tables({"sweep": table}, p, "sweep table"), ".csv")


# --- derived frames and files (cached on the same keys) ------------------------------------


@st.cache_resource(show_spinner=False, max_entries=64)
def _map_values(dkey: str, key: str, element: str | None, stage: str | None, _solution: Solution):
    return maps.map_values(_solution, element, stage)


def map_values(solution: Solution, element: str | None, stage: str | None = None) -> pd.DataFrame:
    """optimizer.maps.map_values at one stage (None: the worst), cached."""
    return _map_values(
        data_key(solution.dataset), policy_key(solution.policy), element, stage, solution
    )


@st.cache_resource(show_spinner=False, max_entries=64)
def _chain_links(
    dkey: str, key: str, view: str, element: str | None, _solution: Solution
) -> pd.DataFrame:
    return maps.chain_links(_solution, view, element)


def chain_links(solution: Solution, view: str, element: str | None) -> pd.DataFrame:
    """optimizer.maps.chain_links of one mix, cached."""
    return _chain_links(
        data_key(solution.dataset), policy_key(solution.policy), view, element, solution
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _file(dkey: str, key: str, kind: str, _solution: Solution, _extra: Any = None) -> bytes:
    return _WRITERS[kind](_solution, _extra)


def deferred_file(solution: Solution, kind: str, extra: Any = None) -> Callable[[], bytes]:
    """A no-argument callable for st.download_button: the file is written by the library only
    when the user clicks, so opening the Export tab costs nothing."""
    return lambda: _WRITERS[kind](solution, extra)


def export_file(solution: Solution, kind: str, extra: Any = None, extra_key: str = "") -> bytes:
    """Bytes of one export (see _WRITERS), written by the library to a temporary file."""
    return _file(
        data_key(solution.dataset),
        policy_key(solution.policy) + extra_key,
        kind,
        solution,
        extra,
    )


def _via_tempfile(write: Callable[[Path], Any], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ree-export-") as tmp:
        path = Path(tmp) / f"export{suffix}"
        write(path)
        return path.read_bytes()


def _bundle_zip(solution: Solution) -> bytes:
    with tempfile.TemporaryDirectory(prefix="ree-bundle-") as tmp:
        folder = export.run_bundle(solution, Path(tmp) / "run")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(folder.iterdir()):
                z.write(f, f"ree-sourcing-run/{f.name}")
        return buffer.getvalue()


_WRITERS: dict[str, Callable[[Solution, Any], bytes]] = {
    "csv": lambda s, _: _via_tempfile(lambda p: export.write_allocation(s, p), ".csv"),
    "xlsx": lambda s, _: _via_tempfile(lambda p: export.write_allocation(s, p), ".xlsx"),
    "json": lambda s, _: _via_tempfile(lambda p: export.write_allocation(s, p), ".json"),
    "flows": lambda s, view: _via_tempfile(lambda p: export.write_flows(s, p, view), ".csv"),
    "summary": lambda s, _: _via_tempfile(lambda p: export.write_summary(s, p), ".json"),
    "yaml": lambda s, _: export.policy_yaml(s.policy).encode("utf-8"),
    "bundle": lambda s, _: _bundle_zip(s),
    "geojson": lambda s, where: geo.to_geojson(
        maps.map_frame(s, where[0], geo.load_boundaries(), where[1])
    ).encode("utf-8"),
}


def deferred_frontier_file(front: Frontier, suffix: str) -> Callable[[], bytes]:
    """The frontier written by the library (.csv points; .xlsx points and mixes) on click."""
    return lambda: _via_tempfile(lambda p: export.write_frontier(front, p), suffix)


@st.cache_data(show_spinner=False)
def template_file() -> bytes:
    return _via_tempfile(write_template, ".xlsx")


MIME_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".yaml": "application/x-yaml",
    ".zip": "application/zip",
    ".html": "text/html",
    ".pdf": "application/pdf",
}


def download(where: Any, label: str, data: Any, file_name: str, **extra: Any) -> None:
    """A full-width download button whose MIME type follows the file name; a click does not
    rerun the app (the file is already built or built on demand)."""
    mime = MIME_TYPES[file_name[file_name.rfind(".") :]]
    where.download_button(
        label, data, file_name=file_name, mime=mime, on_click="ignore", width="stretch", **extra
    )
