"""``evalkit validate STUDY...``: check study files and summarise each valid one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from evalkit.errors import InputError

__all__ = ["register", "summarise"]


def summarise(path: Path) -> str:
    """One line describing a valid study; raises ``StudyError`` for an invalid one."""
    from evalkit.analysis.validity import stage_advice
    from evalkit.estimate import estimate_run
    from evalkit.study import load_study_with_scorecard
    from evalkit.units import format_duration, format_rate

    study, scorecard = load_study_with_scorecard(path)
    steps = study.workload.steps
    designs = ", ".join(f"{c.name} ({c.design})" for c in study.candidates)
    multiples = ", ".join(f"{m:g}x" for m in study.traffic.multiples)
    warnings = "".join(
        f"\n{path}: warning: knock-out {rule.id!r} needs {rule.metric} {rule.op} {rule.threshold:g} "
        f"but the study tests up to {max(study.traffic.multiples):g}x; it cannot be checked"
        for rule in scorecard.knockouts
        if rule.metric == "max_sustainable_multiple" and rule.threshold > max(study.traffic.multiples)
    )
    # Before any load: a stage too short for the process's cycle time completes nothing.
    warnings += "".join(f"\n{path}: warning: {line}" for line in stage_advice(study))
    size = estimate_run(study)
    workers = os.cpu_count() or 1
    warnings += f"\n{path}: estimate: {size.describe(workers)}"
    if (why := size.too_big(workers)) is not None:
        warnings += f"\n{path}: warning: {why}; `evalkit run` needs --yes-big to start it"
    return (
        f"{path}: ok: {study.name!r}: {len(steps)} steps on {len(study.workload.systems)} systems "
        f"in {len(study.domains)} domains; peak {format_rate(study.traffic.peak_rate)} at {multiples}; "
        f"SLO p95 {format_duration(study.slo.p95_cycle_time)}; {len(study.faults)} fault scenario(s); "
        f"candidates: {designs}; scorecard {scorecard.name!r}" + warnings
    )


def register(app: typer.Typer) -> None:
    @app.command()
    def validate(
        studies: list[Path] = typer.Argument(..., help="Study files to check."),
        allow_env: list[str] | None = typer.Option(
            None, "--allow-env", help="Also let studies read this environment variable (repeatable)."
        ),
        allow_host: list[str] | None = typer.Option(
            None, "--allow-host", help="Allow this link-local or metadata target host (repeatable)."
        ),
    ) -> None:
        """Check study files (and their scorecards); print a short summary of each valid one and its target hosts."""
        from evalkit.commands.terminal import terminal_safe
        from evalkit.load.targets import allow, describe_targets
        from evalkit.study import load_study

        allow(allow_env or (), allow_host or ())
        failed = 0
        for path in studies:
            try:
                print(terminal_safe(summarise(path)))  # names come from the file: no escapes reach the terminal
                for line in describe_targets(load_study(path)):
                    print(terminal_safe(f"{path}: {line}"))
            except InputError as error:  # a StudyError, or a target a run would refuse
                failed += 1
                # Every problem of the file, one per line, in file order (not the first and "3 more").
                for line in getattr(error, "problems", None) or [str(error)]:
                    print(terminal_safe(f"evalkit: error: {line}"), file=sys.stderr)
        if failed:
            raise typer.Exit(2)
