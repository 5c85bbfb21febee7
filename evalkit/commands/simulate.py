"""``evalkit simulate STUDY``: simulate every candidate's design at multiples of peak.

Creates a run directory, sweeps candidates × scenarios × multiples × replications with a
progress bar (plain lines when stdout is not a terminal), writes ``results.csv`` and
``summary.csv`` there, and prints the p95 / completed-rate table with each candidate's
saturation point and the run directory.
"""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evalkit.errors import InputError

if TYPE_CHECKING:
    from evalkit.results import ResultTable
    from evalkit.sim import SimCell
    from evalkit.study import Study

__all__ = ["parse_multiples", "register"]


def parse_multiples(text: str) -> list[float]:
    """``"1,1.5,2"`` -> [1.0, 1.5, 2.0]; anything else is the user's mistake, said in one line."""
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--multiples {text!r}: write positive numbers separated by commas, e.g. 1,2,4") from None
    if not values or any(not value > 0 or value != value for value in values):
        raise InputError(f"--multiples {text!r}: write positive numbers separated by commas, e.g. 1,2,4")
    return values


def register(app: typer.Typer) -> None:
    @app.command()
    def simulate(
        study: Path = typer.Argument(..., help="Study file."),
        replications: int | None = typer.Option(None, "--replications", min=1, help="Replications per cell."),
        multiples: str | None = typer.Option(None, "--multiples", help="Load multiples, e.g. 1,2,4."),
        workers: int = typer.Option(0, "--workers", min=0, help="Worker processes (0 = one per core)."),
        out: Path = typer.Option(Path("runs"), "--out", help="Folder that holds run directories."),
        seed: int | None = typer.Option(None, "--seed", min=0, help="Override the study's seed."),
        faults: bool = typer.Option(True, "--faults/--no-faults", help="Also run the study's fault scenarios."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the table."),
        dask_scheduler: str | None = typer.Option(
            None, "--dask-scheduler", help="Run the cells on this Dask scheduler (tcp://host:8786) instead."
        ),
    ) -> None:
        """Simulate each candidate's design at multiples of peak, with replications and faults."""
        from evalkit.manifest import RunSettings
        from evalkit.sim import plan_cells, sweep_pool
        from evalkit.sim.summary import sweep_table
        from evalkit.store import create_run
        from evalkit.study.effective import StudyOverrides

        chosen = parse_multiples(multiples) if multiples is not None else None
        run = create_run(
            out,
            study,
            overrides=StudyOverrides(seed=seed, replications=replications),
            settings=RunSettings(load=False, only="sim", seed=seed),
            command="simulate",
            options={"multiples": chosen, "workers": workers, "faults": faults},
        )
        loaded, _ = run.load()  # the effective study: seed and replications already applied
        cells = plan_cells(loaded, multiples=chosen, include_faults=faults)
        count = min(workers or os.cpu_count() or 1, len(cells))
        with contextlib.ExitStack() as stack:
            if dask_scheduler:
                from evalkit.distributed import dask_executor

                pool: Executor | None = stack.enter_context(dask_executor(dask_scheduler))
            else:
                # Start the workers before the progress display's thread exists, so they can be forked.
                pool = sweep_pool(count) if count > 1 else None
                if pool is not None:
                    stack.callback(pool.shutdown, cancel_futures=True)
            table = _sweep(loaded, cells, pool, quiet)
        run.save_results(table, source="sim")
        print("\n".join(sweep_table(table, loaded)))
        print(f"run: {run.path}")


def _sweep(study: Study, cells: list[SimCell], executor: Executor | None, quiet: bool) -> ResultTable:
    """Run the sweep on ``executor`` (or in this process) under a progress display."""
    from evalkit.sim import run_sweep

    from .progress import make_reporter

    with make_reporter(quiet=quiet, stages=1) as reporter:
        reporter.stage("simulate", total=len(cells))
        return run_sweep(
            study,
            cells,
            executor=executor,
            on_cell=lambda cell, _: reporter.advance(
                1, detail=f"{cell.candidate} {cell.scenario} {cell.multiple:g}x #{cell.replication}"
            ),
        )
