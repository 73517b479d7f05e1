"""Large studies on a Dask cluster: one function run over consecutive chunks of work items.

Sweeps, frontiers, Monte Carlo and out-of-sample evaluations go through `map_chunks`:
`workers` > 1 starts a local cluster of that many single-threaded worker processes (HiGHS and
the model builds hold the GIL for long stretches, so threads would not add speed); `scheduler`
(an address such as tcp://10.0.0.5:8786) uses a running cluster instead. The shared arguments
(the dataset, the policy) are scattered to every worker once; each chunk of items is one task,
so a worker that keeps a per-process cache (sweeps, frontiers) builds its model once and
re-solves its share. Results come back in the order of the items.

`distributed` is imported on first use only: the CLI's cold start does not pay for it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

CHUNKS_PER_WORKER = 8  # several chunks per worker keep a progress bar moving


def use_cluster(items: int, workers: int = 1, scheduler: str | None = None) -> bool:
    """Whether `items` work items go to a cluster: always with a scheduler address; on a local
    cluster only when each of the `workers` gets at least two (else starting it costs more)."""
    return scheduler is not None or (workers > 1 and items >= 2 * workers)


def map_chunks(
    function: Callable[..., Any],
    items: Sequence[Any],
    shared: tuple[Any, ...] = (),
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunks_per_worker: int = CHUNKS_PER_WORKER,
    size: int | None = None,
) -> list[Any]:
    """`function(*shared, chunk)` for consecutive chunks of `items` (a list, or anything with
    len() and slices) on a Dask cluster: a local one of `workers` processes, or the running one
    at `scheduler`. Returns the chunks' results in order, one per chunk. `progress(done,
    total)` counts items as chunks finish. `size` fixes the items per chunk (for work whose
    answers depend on how it is chunked); by default each worker gets `chunks_per_worker`
    chunks. The client (and a local cluster) is closed on the way out, also when a task fails
    or the progress callback raises."""
    from distributed import Client, LocalCluster, as_completed

    total = len(items)
    if scheduler is None:
        with warnings.catch_warnings():  # its HTTP server takes any port when 8787 is taken
            warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        slots = max(workers, sum(client.nthreads().values()), 1)
        size = size or max(1, math.ceil(total / (slots * chunks_per_worker)))
        starts = range(0, total, size)
        data = client.scatter(list(shared), broadcast=True) if shared else []
        futures = [client.submit(function, *data, items[i : i + size], pure=False) for i in starts]
        order = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, Any] = {}
        done = 0
        for f in as_completed(futures):
            i = order[f.key]
            results[i] = f.result()
            done += min(size, total - starts[i])
            if progress:
                progress(done, total)
        return [results[i] for i in range(len(futures))]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
