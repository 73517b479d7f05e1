"""Timing, tables and machine facts shared by every benchmark group.

A measurement runs a callable several times with time.perf_counter and keeps every sample; the
tables show the median (and the spread), the JSON output keeps the samples themselves.
"""

from __future__ import annotations

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import optimizer

# The project whose `optimizer` package is imported (a checkout, or a snapshot of one).
ROOT = Path(optimizer.__file__).resolve().parent.parent


@dataclass
class Timing:
    """Samples of one measurement, in seconds; `per` divides them into per-unit figures."""

    samples: list[float]
    per: int = 1  # units (points, samples) covered by one sample

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)

    @property
    def per_unit(self) -> float:
        return self.median / self.per

    def to_json(self) -> dict[str, Any]:
        return {
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "samples_s": self.samples,
            "units": self.per,
            "per_unit_s": self.per_unit,
        }


def measure(
    fn: Callable[[], Any],
    repeats: int,
    warmup: int = 1,
    setup: Callable[[], Any] | None = None,
    per: int = 1,
) -> Timing:
    """Time `fn` `repeats` times after `warmup` untimed calls. `setup` (untimed) runs before
    every call and its result is passed to `fn` when `fn` takes an argument."""

    def call() -> float:
        arg = setup() if setup is not None else None
        gc.collect()
        start = time.perf_counter()
        fn(arg) if setup is not None else fn()
        return time.perf_counter() - start

    for _ in range(warmup):
        call()
    return Timing([call() for _ in range(repeats)], per)


def samples_of(values: list[float], per: int = 1) -> Timing:
    return Timing(list(values), per)


# --- results and tables ---------------------------------------------------------------------


@dataclass
class Row:
    """One line of a group's table. `ratio` is this figure divided by the reference named in
    `vs` (or a figure the note explains); `timing` is None for derived rows."""

    label: str
    timing: Timing | None = None
    seconds: float | None = None  # for derived figures (a sum or difference of medians)
    unit: str = "run"
    ratio: float | None = None
    vs: str = ""
    note: str = ""

    @property
    def value(self) -> float | None:
        if self.timing is not None:
            return self.timing.per_unit
        return self.seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "seconds": self.value,
            "unit": self.unit,
            "ratio": self.ratio,
            "vs": self.vs,
            "note": self.note,
            **({"timing": self.timing.to_json()} if self.timing is not None else {}),
        }


@dataclass
class Group:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # extra figures for the JSON
    seconds: float = 0.0  # wall time of the whole group

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "wall_s": self.seconds,
            "rows": [r.to_json() for r in self.rows],
            "notes": self.notes,
            "facts": self.facts,
        }


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return ""
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        ms = s * 1e3
        return f"{ms:.1f} ms" if ms >= 10 else f"{ms:.2f} ms"
    us = s * 1e6
    return f"{us:.0f} µs" if us >= 10 else f"{us:.2f} µs"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return ""
    if r >= 100:
        return f"{r:.0f}x"
    if r >= 10:
        return f"{r:.1f}x"
    return f"{r:.2f}x"


def markdown(group: Group) -> str:
    out = [f"### {group.title}", ""]
    out.append("| Measurement | Median | min - max | n | Ratio | vs | Note |")
    out.append("|---|---:|---:|---:|---:|---|---|")
    for r in group.rows:
        spread = n = ""
        per = "" if r.unit == "run" or r.value is None else f" / {r.unit}"
        if r.timing is not None and len(r.timing.samples) > 1:
            p = r.timing.per
            spread = f"{fmt_seconds(r.timing.low / p)} - {fmt_seconds(r.timing.high / p)}"
        if r.timing is not None:
            n = str(len(r.timing.samples))
        out.append(
            f"| {r.label} | {fmt_seconds(r.value)}{per} | {spread} | {n} | "
            f"{fmt_ratio(r.ratio)} | {r.vs} | {r.note} |"
        )
    if group.notes:
        out.append("")
        out.extend(f"- {n}" for n in group.notes)
    out.append("")
    out.append(f"_group wall time {fmt_seconds(group.seconds)}_")
    return "\n".join(out)


# --- machine facts ----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def git_state() -> str:
    """Commit the library was measured at, and whether optimizer/ had uncommitted changes
    (a snapshot made with `git archive` carries its commit in a GIT_COMMIT file)."""
    marker = ROOT / "GIT_COMMIT"
    if marker.exists():
        return marker.read_text().strip() + " (clean snapshot)"
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "optimizer"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + (" (optimizer/ has uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_facts() -> dict[str, Any]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "pulp": _version("pulp"),
        "highspy": _version("highspy"),
        "numpy": _version("numpy"),
        "pandas": _version("pandas"),
        "platform": platform.platform(),
        "git": git_state(),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "argv": sys.argv[1:],
    }


def facts_line(f: dict[str, Any]) -> str:
    return (
        f"Machine: {f['cpu']}, {f['cores']} cores ({f['usable_cores']} usable); "
        f"Python {f['python']}, PuLP {f['pulp']}, highspy {f['highspy']}, "
        f"numpy {f['numpy']}, pandas {f['pandas']}; {f['platform']}; "
        f"run {f['date']}; library at {f['git']}; load average at start "
        f"{', '.join(f'{x:.2f}' for x in f['load_average'] or ())}"
    )
