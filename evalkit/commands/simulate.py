"""``evalkit simulate STUDY``: simulate every candidate's design at multiples of peak.

Creates a run directory, sweeps candidates × scenarios × multiples × replications with a
progress bar (plain lines when stdout is not a terminal), writes ``results.csv`` and
``summary.csv`` there, and prints the p95 / completed-rate table with each candidate's
saturation point and the run directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import typer

from evalkit.errors import InputError

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
    ) -> None:
        """Simulate each candidate's design at multiples of peak, with replications and faults."""
        from evalkit.sim import plan_cells, run_sweep, sweep_pool
        from evalkit.sim.summary import sweep_table
        from evalkit.store import create_run

        from .progress import make_reporter

        chosen = parse_multiples(multiples) if multiples is not None else None
        options = {
            "replications": replications,
            "multiples": chosen,
            "workers": workers,
            "seed": seed,
            "faults": faults,
        }
        run = create_run(out, study, options=options)
        loaded, _ = run.load()
        if seed is not None:
            loaded = loaded.model_copy(update={"seed": seed})
            run.update_manifest(seed=seed)
        cells = plan_cells(loaded, multiples=chosen, replications=replications, include_faults=faults)
        count = min(workers or os.cpu_count() or 1, len(cells))
        # Start the workers before the progress display's thread exists, so they can be forked.
        pool = sweep_pool(count) if count > 1 else None
        try:
            with make_reporter(quiet=quiet, stages=1) as reporter:
                reporter.stage("simulate", total=len(cells))
                table = run_sweep(
                    loaded,
                    cells,
                    executor=pool,
                    on_cell=lambda cell, _: reporter.advance(
                        1, detail=f"{cell.candidate} {cell.scenario} {cell.multiple:g}x #{cell.replication}"
                    ),
                )
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        run.save_results(table, source="sim")
        print("\n".join(sweep_table(table, loaded)))
        print(f"run: {run.path}")
