"""Speedup of a simulation sweep on a 2-worker Dask ``LocalCluster`` over a 1-worker one.

Runs the sweep of ``scenarios/order-fulfillment.yaml`` (every candidate, multiple and fault
scenario, 3 replications) through ``evalkit.distributed.dask_executor`` on a local cluster of
one, then two, single-threaded worker processes, and prints both wall times and their ratio.
Cluster start-up is not timed; the sweep, including shipping cells and results, is. The ideal is
2.0 on a machine with two free cores; this script asserts nothing.

    .venv/bin/python benchmarks/dask_speedup.py
"""

from __future__ import annotations

import time
from pathlib import Path

from distributed import LocalCluster

from evalkit.distributed import dask_executor
from evalkit.sim import plan_cells, run_sweep
from evalkit.study import Study, load_study

STUDY = Path(__file__).parents[1] / "scenarios" / "order-fulfillment.yaml"
REPLICATIONS = 3


def sweep_seconds(study: Study, workers: int) -> float:
    """Wall time of the whole sweep on a fresh local cluster of ``workers`` processes."""
    cells = plan_cells(study, replications=REPLICATIONS)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, dask_executor(cluster.scheduler_address) as executor:
        started = time.perf_counter()
        run_sweep(study, cells, executor=executor)
        return time.perf_counter() - started


def main() -> None:
    study = load_study(STUDY)
    cells = len(plan_cells(study, replications=REPLICATIONS))
    one = sweep_seconds(study, 1)
    two = sweep_seconds(study, 2)
    print(f"{STUDY.name}: {cells} cells, {REPLICATIONS} replications")
    print(f"1 Dask worker : {one:7.2f} s")
    print(f"2 Dask workers: {two:7.2f} s")
    print(f"speedup       : {one / two:7.2f}x")


if __name__ == "__main__":
    main()
