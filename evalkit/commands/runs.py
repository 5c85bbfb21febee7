"""``evalkit runs``: list past runs from the run index."""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command()
    def runs(out: Path = typer.Option(Path("runs"), "--out", help="Folder that holds run directories.")) -> None:
        """List past runs, newest first."""
        from rich.console import Console
        from rich.table import Table

        from evalkit.store import RunIndex

        if not (out / "index.sqlite").exists():
            print(f"no runs in {out}")
            return
        index = RunIndex(out)
        table = Table("run id", "study", "created", "status", "quick", "winner")
        for row in index.runs():
            table.add_row(
                row["run_id"],
                row["study"],
                row["created"],
                row["status"],
                "yes" if row["quick"] else "",
                row["winner"] or "",
            )
        index.close()
        Console().print(table)
