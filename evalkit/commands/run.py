"""``evalkit run [STUDY]``: the whole study in one command (the README's first command)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from evalkit.pipeline import RunOutcome

__all__ = ["register"]


def _default_study() -> Path:
    from evalkit.study import bundled_path

    return bundled_path("scenarios", "order-fulfillment.yaml")


def _stage_advice(study: Path, quick: bool, seed: int | None) -> list[str]:
    """Warnings, before any load, when the (effective) load stages cannot complete a workflow."""
    from evalkit.analysis.validity import stage_advice
    from evalkit.study.effective import EffectiveStudy, StudyOverrides

    effective = EffectiveStudy.build(study, StudyOverrides(seed=seed, quick=quick))
    return [f"warning: {line}" for line in stage_advice(effective.study)]


def _summary(outcome: RunOutcome) -> list[str]:
    from evalkit.units import format_duration

    from .terminal import terminal_safe

    lines = [f"run: {outcome.run.path}  ({format_duration(outcome.seconds)})"]
    scored = outcome.scored
    if scored is not None:
        lines.append(f"winner: {scored.winner or 'none (every candidate is knocked out or has a missing score)'}")
        for candidate in scored.candidates:
            sustain = (
                ", ".join(f"{p.evidence or p.source} {p.max_sustainable_display}" for p in candidate.performance)
                or "n/a"
            )
            total = f"{candidate.total:.1f}" if candidate.total is not None else "incomplete"
            status = (
                "KNOCKED OUT: " + "; ".join(candidate.knockout_reasons)
                if candidate.knocked_out
                else f"rank {candidate.rank}"
            )
            lines.append(f"  {candidate.name} ({candidate.design}): score {total}, sustains {sustain}; {status}")
        lines.extend(f"note: {note}" for note in scored.provenance.notes)
    screened = outcome.run.manifest().screen
    if screened is not None:
        lines.append(
            f"screen: {screened.simulated_cells:,} of {screened.baseline_cells:,} baseline cells simulated, "
            f"{screened.screened_out_cells:,} screened out (analytic)"
        )
    for skipped in outcome.skipped:
        lines.append(f"not run: {skipped}")
    if outcome.scorecard_html is not None:
        lines.append(f"scorecard: {outcome.scorecard_html}")
    else:
        lines.append(f"results: {outcome.run.results_path}")
    return [terminal_safe(line) for line in lines]  # names come from the study: no escapes reach the terminal


def register(app: typer.Typer) -> None:
    @app.command()
    def run(
        study: Path | None = typer.Argument(None, help="Study file (default: the bundled order-fulfillment study)."),
        quick: bool = typer.Option(False, "--quick", help="A fast, honest pass: fewer replications, shorter stages."),
        out: Path = typer.Option(Path("runs"), "--out", help="Folder that holds run directories."),
        no_load: bool = typer.Option(False, "--no-load", help="Skip the load test."),
        only: str | None = typer.Option(None, "--only", help="Run only 'sim' or only 'load'."),
        workers: int = typer.Option(0, "--workers", min=0, help="Simulation worker processes (0 = one per core)."),
        load_processes: int = typer.Option(1, "--load-processes", min=1, help="Independent load generator processes."),
        load_workers: int = typer.Option(
            0, "--load-workers", min=0, help="Distributed Locust: a master plus this many local workers."
        ),
        resume: str | None = typer.Option(None, "--resume", help="Continue the run with this id."),
        seed: int | None = typer.Option(None, "--seed", help="Override the study's seed."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the summary."),
        allow_env: list[str] | None = typer.Option(
            None, "--allow-env", help="Let targets read this environment variable (besides EVALKIT_SECRET_*)."
        ),
        allow_host: list[str] | None = typer.Option(
            None, "--allow-host", help="Allow this link-local or metadata target host (repeatable)."
        ),
        screen: bool = typer.Option(
            False,
            "--screen",
            help="Solve every cell analytically first; simulate only the cells close to a knock-out "
            "(the others' figures are analytic).",
        ),
        yes_big: bool = typer.Option(
            False, "--yes-big", help="Run a study over the size limits (see `evalkit validate` for its estimate)."
        ),
        dask_scheduler: str | None = typer.Option(
            None, "--dask-scheduler", help="Run simulation cells on this Dask scheduler (tcp://host:8786)."
        ),
        side_by_side_load: bool = typer.Option(
            False,
            "--side-by-side-load",
            help="With --quick: load-test the reference platforms at once (faster; they compete for the CPU, "
            "and the run's notes say so).",
        ),
        fail_on: list[str] | None = typer.Option(
            None,
            "--fail-on",
            help="CI gate (repeatable): knockout, no-winner or slo-breach-at=MULT; exit 3 when it holds "
            "or cannot be checked.",
        ),
    ) -> None:
        """Run a whole study: validate, simulate, load-test, analyse, score and render."""
        from evalkit.load.targets import allow

        allow(allow_env or (), allow_host or ())  # before anything reads a target (children inherit it)
        import os

        from evalkit.errors import InputError
        from evalkit.pipeline import RunOptions, run_study
        from evalkit.scoring.gate import GATE_EXIT_CODE, check_gate, parse_gate

        from .progress import make_reporter
        from .terminal import terminal_safe

        if only not in (None, "sim", "load"):
            raise InputError(f"--only {only!r}: allowed: sim, load")
        gates = [parse_gate(text) for text in fail_on or ()]  # a bad gate is refused before any work
        options = RunOptions(
            quick=quick,
            load=not no_load,
            only=only,  # type: ignore[arg-type]
            workers=workers or os.cpu_count() or 1,
            out=out,
            resume=resume,
            seed=seed,
            load_processes=load_processes,
            load_workers=load_workers,
            dask_scheduler=dask_scheduler,
            yes_big=yes_big,
            screen=screen,
            side_by_side_load=side_by_side_load,
        )
        if not no_load and only != "sim" and resume is None:
            for line in _stage_advice(study or _default_study(), quick, seed):
                print(line, file=sys.stderr)
        with make_reporter(quiet=quiet, stages=5) as reporter:
            outcome = run_study(study or _default_study(), options, reporter)
        print("\n".join(_summary(outcome)))
        results = [check_gate(outcome.scored, gate) for gate in gates]
        for result in results:
            verdict = "FAILED" if result.failed else "passed"
            print(terminal_safe(f"gate {verdict}: {result.message}"), file=sys.stderr)
        if any(result.failed for result in results):
            raise typer.Exit(GATE_EXIT_CODE)
