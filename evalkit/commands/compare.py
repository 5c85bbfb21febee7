"""``evalkit compare RUN_A RUN_B [...] -o FILE``: two or more scored runs side by side.

Each run contributes its ``scorecard.json`` and, as the assumptions whose differences the report
lists, its own copies of the study and scorecard and its manifest's options and versions. Runs
scored with different scorecards are compared on their shared criteria, or refused with
``--strict``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from evalkit.errors import EvalkitError, InputError, RunStoreError

__all__ = ["load_comparison", "register"]


def _assumptions(run: Any) -> dict[str, Any]:
    """The run's own study and scorecard copies and manifest settings, as plain data."""
    manifest = run.manifest()
    options = {**manifest.settings.model_dump(mode="json"), **manifest.options}
    found: dict[str, Any] = {"manifest": {"options": options, "versions": manifest.versions}}
    try:
        study, scorecard = run.load()
    except EvalkitError as error:
        found["study"] = f"unreadable: {error}"
        return found
    found["study"] = study.model_dump(mode="json")
    found["scorecard"] = scorecard.model_dump(mode="json")
    return found


def load_comparison(paths: list[Path]) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    """(label, scored study) for each run directory, and each run's assumptions."""
    from evalkit.scorecard_data import read_scored_study
    from evalkit.store import open_run

    resolved = [path.resolve() for path in paths]
    repeated = sorted({str(path) for path in paths if resolved.count(path.resolve()) > 1})
    if repeated:
        raise InputError(f"the same run is given more than once: {', '.join(repeated)}; compare different runs")
    runs, assumptions = [], []
    for path in paths:
        run = open_run(path)
        runs.append((run.run_id, read_scored_study(run.scored_path)))
        assumptions.append(_assumptions(run))
    return runs, assumptions


def register(app: typer.Typer) -> None:
    @app.command(name="compare")
    def command(
        run_dirs: list[Path] = typer.Argument(
            ..., help="Two or more scored run directories; the first is the reference."
        ),
        output: Path = typer.Option(
            Path("comparison.html"), "-o", "--output", help="Where to write the HTML comparison."
        ),
        strict: bool = typer.Option(
            False, "--strict", help="Refuse runs scored with different scorecards instead of comparing shared criteria."
        ),
    ) -> None:
        """Compare scored runs: score and rank deltas, winner changes, overlaid curves, differing assumptions."""
        from evalkit.report import render_comparison

        runs, assumptions = load_comparison(run_dirs)
        html = render_comparison(runs, assumptions=assumptions, strict=strict)
        try:
            output.write_text(html, encoding="utf-8")
        except OSError as error:
            raise RunStoreError(f"{output}: cannot write: {error.strerror or error}") from None
        print(output)
