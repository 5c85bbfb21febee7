"""``evalkit score RUN_DIR``: analyse and score a run's results, print the matrix, write scorecard.json.

The terminal shows the weighted matrix (each cell: the figure and its 0-100 value), the winner
and the rationale, the knock-outs with their reasons, and how robust the result is (the critical
weight of each criterion, SMAA's rank acceptability). ``--scorecard FILE`` judges the same
results by another scorecard. Scoring itself lives in ``evalkit.scoring``; this module prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from evalkit.scorecard_data import ScoredStudy

__all__ = ["register", "print_scored"]


def _matrix(scored: ScoredStudy, console: Console) -> None:
    from rich.table import Table

    table = Table(title=f"Weighted matrix: {scored.provenance.scorecard_name}", show_lines=False)
    table.add_column("Rank", justify="right")
    table.add_column("Candidate")
    for criterion in scored.criteria:
        table.add_column(f"{criterion.label}\n{criterion.normalised_weight:.0%}", justify="right")
    table.add_column("Total", justify="right")
    for candidate in scored.candidates:
        cells = {s.criterion_id: s for s in candidate.scores}
        row = [str(candidate.rank), candidate.name + (" [knocked out]" if candidate.knocked_out else "")]
        for criterion in scored.criteria:
            cell = cells.get(criterion.id)
            if cell is None or cell.value is None:
                row.append("missing")
            else:
                row.append(f"{cell.display}\n{cell.value:.0f}")
        total = (
            f"{candidate.total:.1f}" if candidate.total is not None else f"({candidate.total_partial:.1f}, incomplete)"
        )
        row.append(total)
        table.add_row(*row)
    console.print(table)


def _robustness(scored: ScoredStudy, console: Console) -> None:
    from rich.table import Table

    robustness = scored.robustness
    if robustness.critical_weights:
        table = Table(title="One-at-a-time weight sensitivity")
        for column in ("Criterion", "Weight", "Critical weight", "Change", "New winner"):
            table.add_column(column, justify="left" if column in ("Criterion", "New winner") else "right")
        for item in robustness.critical_weights:
            table.add_row(
                item.criterion_id,
                f"{item.current_weight:.1%}",
                "never" if item.critical_weight is None else f"{item.critical_weight:.1%}",
                "" if item.change is None else f"{item.change:+.1%}",
                item.new_winner or "",
            )
        console.print(table)
    if robustness.smaa is not None:
        smaa = robustness.smaa
        band = "Dirichlet(1) weights" if smaa.weight_band is None else f"weights within ±{smaa.weight_band:.0%}"
        table = Table(title=f"SMAA-2: {smaa.samples:,} draws, {band}, seed {smaa.seed}")
        table.add_column("Candidate")
        table.add_column("P(best)", justify="right")
        for rank in range(len(smaa.p_best)):
            table.add_column(f"rank {rank + 1}", justify="right")
        for name, acceptability in smaa.rank_acceptability.items():
            table.add_row(name, f"{smaa.p_best[name]:.1%}", *(f"{p:.1%}" for p in acceptability))
        console.print(table)


def print_scored(scored: ScoredStudy, console: Console) -> None:
    """The matrix, winner, knock-outs, robustness and warnings, as rich tables."""
    _matrix(scored, console)
    if scored.winner is not None:
        console.print(f"Winner: [bold]{scored.winner}[/bold] ({scored.winner_score:.1f} of 100)")
    else:
        console.print("Winner: none (every candidate is knocked out or incomplete)")
    for candidate in scored.candidates:
        for reason in candidate.knockout_reasons:
            console.print(f"Knocked out: {candidate.name}: {reason}", markup=False)
    _robustness(scored, console)
    if scored.rationale:
        console.print(scored.rationale, markup=False)
    for warning in scored.warnings:
        console.print(f"warning: {warning}", markup=False, style="yellow")


def register(app: typer.Typer) -> None:
    @app.command(name="score")
    def command(
        run_dir: Path = typer.Argument(..., help="A run directory (runs/<run-id>)."),
        scorecard: Path | None = typer.Option(
            None, "--scorecard", help="Score by this scorecard file instead of the run's own (a what-if)."
        ),
        study: Path | None = typer.Option(
            None, "--study", help="Score under this edited study (SLOs, assessments, costs…): a what-if."
        ),
        name: str | None = typer.Option(
            None, "--as", help="Name of the what-if: written to RUN/what-if/NAME/, the run's own scorecard is kept."
        ),
    ) -> None:
        """Analyse and score a run's results; print the matrix and write scorecard.json (or a what-if beside it)."""
        from rich.console import Console

        from evalkit.scoring import score_run
        from evalkit.scoring.what_if import score_what_if
        from evalkit.store import open_run

        run = open_run(run_dir)
        console = Console(width=160)
        what_if = (
            study is not None
            or name is not None
            or (scorecard is not None and scorecard.resolve() != run.scorecard_path.resolve())
        )
        if what_if:
            # Never over the run's own scorecard: a different yardstick is a named child of the run.
            label = name or (
                scorecard.stem if scorecard is not None else study.stem if study is not None else "what-if"
            )
            scored, folder = score_what_if(run, study or run.study_path, scorecard, label)
            print_scored(scored, console)
            console.print(
                f"wrote {folder / 'scorecard.json'} (what-if of {run.run_id}; the run's own is kept)", markup=False
            )
            return
        scored = score_run(run, scorecard=scorecard)
        print_scored(scored, console)
        console.print(f"wrote {run.scored_path}", markup=False)
