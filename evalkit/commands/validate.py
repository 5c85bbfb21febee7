"""``evalkit validate STUDY...``: check study files and summarise each valid one."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from evalkit.errors import StudyError

__all__ = ["register", "summarise"]


def summarise(path: Path) -> str:
    """One line describing a valid study; raises ``StudyError`` for an invalid one."""
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
    ) -> None:
        """Check study files (and their scorecards); print a short summary of each valid one."""
        failed = 0
        for path in studies:
            try:
                print(summarise(path))
            except StudyError as error:
                failed += 1
                print(f"evalkit: error: {error}", file=sys.stderr)
        if failed:
            raise typer.Exit(2)
