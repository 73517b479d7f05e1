"""One optimize() in its own process, reporting progress as JSON lines on stdout:
`python -m bench.child FOLDER OBJECTIVE`. The scaling group runs the 100x HHI case this way so a
time limit can stop it and still say where the time went."""

from __future__ import annotations

import json
import sys
import time

from optimizer import Policy, load_dataset
from optimizer.network.model import formulate, solve_stages
from optimizer.policy import validate
from optimizer.solution import solution_from

from .highs_tools import instrumented, quiet_banner


def emit(event: str, **fields: float) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def main(folder: str, objective: str) -> None:
    quiet_banner()
    ds = load_dataset(folder)
    policy = validate(Policy(objective=objective), ds)
    emit("loaded")
    runs = 0

    def on_call(name: str, seconds: float) -> None:
        nonlocal runs
        if name == "run":
            runs += 1
            emit("run", s=seconds, n=runs)

    start = time.perf_counter()
    with instrumented(record=False, on_call=on_call) as inst:
        form = formulate(ds, policy)
        t1 = time.perf_counter()
        emit("formulate", s=t1 - start, first_run=inst.pulp["callSolver"])
        stages = solve_stages(form, policy, fresh=True)
        t2 = time.perf_counter()
        emit("stages", s=t2 - t1, cut_rounds=stages.cut_rounds)
        solution_from(form, policy, stages)
        t3 = time.perf_counter()
    emit("solution", s=t3 - t2)
    emit("done", optimize_s=t3 - start)


if __name__ == "__main__":
    main(*sys.argv[1:3])
