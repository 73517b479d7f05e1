"""The highspy side of the comparisons, and the instruments that show where time goes.

- `clone` copies the LP the library holds (getLp) and its solver options into a fresh
  highspy.Highs with output off: "the same LP, solved directly with highspy".
- `instrumented` wraps, for the duration of a `with` block, every HighsLP the library creates:
  each call into highspy is timed (by method) and every call that changes the model or solves it
  is recorded with copies of its arguments. It also splits PuLP's hand-over into its phases.
- `replay` runs a recording on a fresh copy of the LP as PuLP handed it over: the exact solve
  sequence the library performed (same cuts, bound and cost changes, warm and cold starts),
  done in bare highspy. That is the "if it were written directly against highspy" baseline.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pulp

from optimizer import lp as lp_module

# Calls that change the model or solve it: what a bare highspy program would also have to do.
MUTATING = {
    "run",
    "changeColsCost",
    "changeColCost",
    "changeRowsBounds",
    "changeRowBounds",
    "changeColsBounds",
    "changeColBounds",
    "addRows",
    "addRow",
    "addCols",
    "addCol",
    "deleteRows",
    "deleteCols",
    "changeCoeff",
    "setBasis",
    "setOptionValue",
    "clearSolver",  # a solve from scratch (HighsLP.solve(cold=True))
    "passModel",  # a model put back (Session.restart, the frontier's saved state)
}
PULP_PHASES = ("createAndConfigureSolver", "buildSolverModel", "callSolver", "findSolutionValues")


def quiet_banner() -> None:
    """highspy prints a banner the first time a Highs object is made: keep the tables clean."""
    lp_module._swallow_banner()


def raw(h: Any) -> highspy.Highs:
    """The real Highs object behind a proxy."""
    return getattr(h, "_highs", h)


def fresh(lp: highspy.HighsLp, options: Any | None = None) -> highspy.Highs:
    h = highspy.Highs()
    if options is not None:
        h.passOptions(options)
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def clone(h: Any) -> highspy.Highs:
    """A fresh Highs holding the same LP (and solver options) as `h`, with no basis."""
    h = raw(h)
    return fresh(h.getLp(), h.getOptions())


def read_solution(h: highspy.Highs) -> None:
    """What any program must do after a solve: read the status, values and duals."""
    h.getModelStatus()
    h.getSolution()
    h.getInfo()


# --- recording and timing proxy -----------------------------------------------------------------


def _copy(a: Any) -> Any:
    return np.array(a, copy=True) if isinstance(a, np.ndarray) else a


class Proxy:
    """Stands in for the library's highspy.Highs: forwards every call, times it by method name
    and records the model-changing ones."""

    def __init__(self, highs: highspy.Highs, stats: dict[str, list[float]], on_call=None):
        self._highs = highs
        self._stats = stats
        self._on_call = on_call  # on_call(name, seconds) after every call
        self.ops: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._highs, name)
        if not callable(attr):
            return attr
        stats, ops, hook = self._stats, self.ops, self._on_call

        def call(*args: Any, **kwargs: Any) -> Any:
            if name in MUTATING:
                ops.append((name, tuple(_copy(a) for a in args), dict(kwargs)))
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                took = time.perf_counter() - start
                s = stats[name]
                s[0] += 1
                s[1] += took
                if hook is not None:
                    hook(name, took)

        return call


@dataclass
class Recording:
    """One HighsLP's life: the LP and options as PuLP handed them over, then every change."""

    lp0: highspy.HighsLp
    options: Any
    proxy: Proxy

    @property
    def ops(self) -> list[tuple[str, tuple, dict]]:
        # PuLP's own solve (stage 1 of a fresh build) happened before the proxy was installed
        return [("run", (), {}), *self.proxy.ops]

    @property
    def solves(self) -> int:
        return sum(1 for name, _, _ in self.ops if name == "run")


@dataclass
class Instruments:
    highs_calls: dict[str, list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0.0])
    )
    pulp: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    handover: float = 0.0  # total time in HighsLP.__init__ (PuLP solve + index maps)
    recordings: list[Recording] = field(default_factory=list)

    def highs_seconds(self, names: tuple[str, ...] | None = None) -> float:
        return sum(s for n, (_, s) in self.highs_calls.items() if names is None or n in names)

    def highs_count(self, name: str) -> int:
        return int(self.highs_calls[name][0]) if name in self.highs_calls else 0

    def reset_calls(self) -> None:
        self.highs_calls.clear()


@contextmanager
def instrumented(record: bool = True, on_call=None) -> Iterator[Instruments]:
    """Time every highspy call the library makes; split PuLP's first solve into phases."""
    inst = Instruments()
    cls = lp_module.HighsLP
    original_init = cls.__init__
    originals = {name: getattr(pulp.HiGHS, name) for name in PULP_PHASES}

    def init(self: Any, problem: Any, *args: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        original_init(self, problem, *args, **kwargs)
        inst.handover += time.perf_counter() - start
        real = self.highs
        proxy = Proxy(real, inst.highs_calls, on_call)
        if record:
            inst.recordings.append(Recording(real.getLp(), real.getOptions(), proxy))
        self.highs = proxy

    def phase(name: str, fn: Any) -> Any:
        def timed(solver: Any, lp: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(solver, lp)
            finally:
                inst.pulp[name] += time.perf_counter() - start

        return timed

    cls.__init__ = init
    for name, fn in originals.items():
        setattr(pulp.HiGHS, name, phase(name, fn))
    try:
        yield inst
    finally:
        cls.__init__ = original_init
        for name, fn in originals.items():
            setattr(pulp.HiGHS, name, fn)


def replay(rec: Recording) -> float:
    """Seconds bare highspy takes for the recorded solve sequence on a fresh copy of the LP
    (passModel excluded; every solve is followed by reading the solution)."""
    h = fresh(rec.lp0, rec.options)
    start = time.perf_counter()
    for name, args, kwargs in rec.ops:
        getattr(h, name)(*args, **kwargs)
        if name == "run":
            read_solution(h)
    return time.perf_counter() - start


def iterations(h: Any) -> int:
    return int(raw(h).getInfo().simplex_iteration_count)


@contextmanager
def tolerances(value: float) -> Iterator[None]:
    """Set HiGHS's primal and dual feasibility tolerances on every HighsLP the library creates
    (a workaround, used only when the library's own settings make a benchmark fail)."""
    cls = lp_module.HighsLP
    original_init = cls.__init__

    def init(self: Any, problem: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, problem, *args, **kwargs)
        raw(self.highs).setOptionValue("primal_feasibility_tolerance", value)
        raw(self.highs).setOptionValue("dual_feasibility_tolerance", value)

    cls.__init__ = init
    try:
        yield
    finally:
        cls.__init__ = original_init


# --- timing named library functions ---------------------------------------------------------


@contextmanager
def timed_functions(targets: list[tuple[Any, str]]) -> Iterator[dict[str, list[float]]]:
    """Wrap each `owner.name` (a module function, a method, a classmethod) with a timer for the
    duration of the block: {"owner.name": [calls, seconds]}. Missing names are skipped, so a
    library change does not break the benchmark. Nested timers each count their own calls."""
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    restore = []
    for owner, name in targets:
        raw_attr = vars(owner).get(name) if hasattr(owner, "__dict__") else None
        if raw_attr is None:
            continue
        key = f"{getattr(owner, '__name__', owner)}.{name}".replace("optimizer.", "")
        kind = type(raw_attr) if isinstance(raw_attr, classmethod | staticmethod) else None
        fn = raw_attr.__func__ if kind else raw_attr

        def wrapper(*args: Any, _fn: Any = fn, _key: str = key, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return _fn(*args, **kwargs)
            finally:
                s = stats[_key]
                s[0] += 1
                s[1] += time.perf_counter() - start

        setattr(owner, name, kind(wrapper) if kind else wrapper)
        restore.append((owner, name, raw_attr))
    try:
        yield stats
    finally:
        for owner, name, raw_attr in reversed(restore):
            setattr(owner, name, raw_attr)
