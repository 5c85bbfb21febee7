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


@pytest.mark.slow
def test_simulate_command_on_a_dask_scheduler_matches_a_local_simulate(tmp_path: Path) -> None:
    import subprocess
    import sys

    def simulate(out: Path, *extra: str) -> Path:
        command = [sys.executable, "-m", "evalkit", "simulate", str(TINY), "--replications", "2", "--out", str(out)]
        result = subprocess.run([*command, "--quiet", *extra], capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return next(p for p in out.iterdir() if p.is_dir()) / "results.csv"

    local = simulate(tmp_path / "local", "--workers", "1")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster:
        remote = simulate(tmp_path / "dask", "--dask-scheduler", cluster.scheduler_address)
    assert remote.read_bytes() == local.read_bytes()
