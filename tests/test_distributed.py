"""A sweep on a 2-worker Dask LocalCluster gives exactly the numbers of a local run."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.errors import InputError
from evalkit.study import load_study

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")

TINY = Path(__file__).resolve().parent / "fixtures" / "tiny.yaml"


@pytest.mark.slow
def test_local_cluster_matches_local_run() -> None:
    from evalkit.distributed import dask_executor
    from evalkit.sim import plan_cells, run_sweep

    study = load_study(TINY)
    cells = plan_cells(study, replications=2)
    local = run_sweep(study, cells, workers=1)
    seen: list[str] = []
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, dask_executor(cluster.scheduler_address) as executor:
        remote = run_sweep(study, cells, executor=executor, on_cell=lambda cell, rows: seen.append(cell.key))
    assert remote.frame.equals(local.frame)
    assert sorted(seen) == sorted(cell.key for cell in cells), "every cell reported exactly once"


def test_unreachable_scheduler_is_one_clear_error() -> None:
    from evalkit.distributed import dask_executor

    with (
        pytest.raises(InputError, match="cannot reach the Dask scheduler"),
        dask_executor("tcp://127.0.0.1:9", timeout=2),
    ):
        pass
