"""optimize() in its own process, reporting progress as JSON lines on stdout:

    python -m bench.child FOLDER OBJECTIVE [--reps N] [--sample-years N] [--profile FILE]

FOLDER is a dataset (`data` for the bundled one). The scaling and CVaR groups run their cases
this way so each has its own peak memory (the process's max RSS) and a time limit can stop it
and still say where the time went. Each repeat runs optimize()'s sequence (validate, formulate,
solve_stages, solution_from) with every phase timed, after one untimed warm-up call when
`--reps` is above 1 (first-call caches out of the way). `run_child` (the parent's side) starts
one, watches its peak memory, stops it at a time limit and collects its events."""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from optimizer import Policy, load_dataset
from optimizer.network.model import formulate, solve_stages
from optimizer.policy import validate
from optimizer.solution import solution_from

from .highs_tools import instrumented, quiet_banner, raw


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def proc_status_mb(pid: int | str, key: str) -> float | None:
    """A memory figure from /proc/PID/status (VmHWM: peak resident set; VmRSS: current), MB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def max_rss_mb() -> float:
    """This process's peak resident set so far, MB."""
    hwm = proc_status_mb("self", "VmHWM")
    if hwm is not None:
        return hwm
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def current_rss_mb() -> float | None:
    return proc_status_mb("self", "VmRSS")


def one(ds, policy: Policy, rep: int) -> None:
    runs = []

    def on_call(name: str, seconds: float) -> None:
        if name == "run":
            runs.append(seconds)
            emit("run", s=seconds, n=len(runs), rep=rep)

    start = time.perf_counter()
    with instrumented(record=False, on_call=on_call) as inst:
        checked = validate(policy, ds)
        t0 = time.perf_counter()
        form = formulate(ds, checked)
        t1 = time.perf_counter()
        emit("formulate", s=t1 - t0, first_run=inst.pulp["callSolver"], rep=rep)
        stages = solve_stages(form, checked)
        t2 = time.perf_counter()
        emit("stages", s=t2 - t1, cut_rounds=stages.cut_rounds, rep=rep)
        solution_from(form, checked, stages)
        t3 = time.perf_counter()
    h = raw(form.lp.highs)
    emit(
        "done",
        rep=rep,
        optimize_s=t3 - start,
        validate_s=t0 - start,
        formulate_s=t1 - t0,
        build_s=(t1 - t0) - inst.handover,
        first_run_s=inst.pulp["callSolver"],
        stages_s=t2 - t1,
        stages_run_s=sum(runs),
        runs_s=runs,  # each HiGHS re-solve inside solve_stages, in order
        solution_s=t3 - t2,
        solves=len(runs),
        cut_rounds=stages.cut_rounds,
        rows=h.getNumRow(),
        cols=h.getNumCol(),
        nonzeros=h.getNumNz(),
        base_rows=getattr(form.lp, "base_rows", None),
        arcs=len(form.net.arcs),
        rss_mb=current_rss_mb(),
        max_rss_mb=max_rss_mb(),
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.child")
    ap.add_argument("folder")
    ap.add_argument("objective")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--sample-years", type=int, default=None)
    ap.add_argument("--profile", metavar="FILE", help="cProfile the timed repeats into FILE")
    args = ap.parse_args(argv)
    # a parent's time limit sends SIGTERM: unwind (at the next Python bytecode) so the
    # profile is still written
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    quiet_banner()
    t = time.perf_counter()
    ds = load_dataset(args.folder)
    fields = {"objective": args.objective}
    if args.sample_years is not None:
        fields["sample_years"] = args.sample_years
    policy = Policy(**fields)
    emit(
        "loaded",
        load_s=time.perf_counter() - t,
        rss_mb=current_rss_mb(),
        max_rss_mb=max_rss_mb(),
        plants=len(ds.plants),
        elements=len(ds.elements),
        capacity_rows=len(ds.capacity),
    )
    # rep 0, untimed: first-call work (lazy imports, caches) out of the way; a single timed
    # repeat warms up on the bundled data instead, so a large case is not run twice
    if args.reps > 1:
        one(ds, policy, 0)
    else:
        one(load_dataset(), policy.with_changes(sample_years=10), 0)
    emit("start")  # the timed part begins: a parent's time limit counts from here
    prof = cProfile.Profile() if args.profile else None
    try:
        if prof is not None:
            prof.enable()
        for rep in range(1, args.reps + 1):
            one(ds, policy, rep)
    finally:
        if prof is not None:
            prof.disable()
            prof.dump_stats(args.profile)
    emit("peak", max_rss_mb=max_rss_mb())


# --- the parent's side ----------------------------------------------------------------------

# After SIGTERM, before SIGKILL: a profiled child needs the time to finish its HiGHS run and
# write its profile (one run at 100x HHI takes seconds); any other child is killed at once.
GRACE_S = 60.0
GRACE_UNPROFILED_S = 1.0


@dataclass
class ChildRun:
    events: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = True
    failed: str = ""  # stderr's last line when the child exited with an error
    wall_s: float = 0.0  # start to exit, including imports and loading
    stopped_after_s: float | None = None  # the time limit was hit this long after `start`
    exited_after_s: float | None = None  # ... and the child had gone this long after `start`
    killed: bool = False  # it did not act on SIGTERM within the grace time
    peak_mb: float | None = None  # the child's peak RSS (its own report, or polled)
    profile: Path | None = None

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]

    @property
    def done(self) -> list[dict[str, Any]]:
        """The timed repeats' summaries (rep 0 is the untimed warm-up)."""
        return [e for e in self.of("done") if e["rep"] > 0]

    @property
    def loaded(self) -> dict[str, Any]:
        got = self.of("loaded")
        return got[0] if got else {}


def run_child(
    folder: str | Path,
    objective: str,
    *,
    reps: int = 1,
    sample_years: int | None = None,
    limit: float | None = None,
    profile: Path | None = None,
    cwd: Path | None = None,
) -> ChildRun:
    """Run `python -m bench.child` and collect its events. `limit` (None or 0: none) counts
    from the child's `start` event, after imports, loading and warm-up: at the limit the child
    is sent SIGTERM, which it acts on when HiGHS hands control back to Python, and SIGKILL
    soon after (GRACE_S later when profiled, so the profile is written). Its peak RSS is polled from /proc while it runs, so a stopped run still has
    one."""
    cmd = [sys.executable, "-m", "bench.child", str(folder), objective, "--reps", str(reps)]
    if sample_years is not None:
        cmd += ["--sample-years", str(sample_years)]
    if profile is not None:
        cmd += ["--profile", str(profile)]
    out = ChildRun(profile=profile)
    with tempfile.TemporaryDirectory(prefix="ree-bench-child-") as tmp:
        so_path, se_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with so_path.open("w") as so, se_path.open("w") as se:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, stdout=so, stderr=se, text=True)
        polled, began, pending = 0.0, None, ""
        with so_path.open() as reader:
            while True:
                alive = proc.poll() is None
                polled = max(polled, proc_status_mb(proc.pid, "VmHWM") or 0.0)
                pending += reader.read()
                *lines, pending = pending.split("\n")
                for line in lines:
                    with contextlib.suppress(json.JSONDecodeError):
                        out.events.append(json.loads(line))
                        if out.events[-1]["event"] == "start":
                            began = time.perf_counter()
                if not alive:
                    break
                if limit and began is not None and time.perf_counter() - began > limit:
                    out.finished = False
                    out.stopped_after_s = time.perf_counter() - began
                    proc.terminate()  # the child unwinds and writes its profile
                    try:
                        proc.wait(timeout=GRACE_S if profile else GRACE_UNPROFILED_S)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                        out.killed = True
                    out.exited_after_s = time.perf_counter() - began
                    continue  # read what it wrote before it stopped, then leave
                time.sleep(0.05)
        out.wall_s = time.perf_counter() - start
        err = se_path.read_text().strip()
    if out.finished and proc.returncode != 0:
        out.failed = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
    reported = [e["max_rss_mb"] for e in out.events if "max_rss_mb" in e]
    out.peak_mb = max([*reported, polled]) or None
    if profile is not None and not (profile.exists() and os.path.getsize(profile)):
        out.profile = None
    return out


if __name__ == "__main__":
    main()
