"""``evalkit runs``: list past runs from the run index.

On a terminal, a table. Piped (``evalkit runs | grep``), one tab-separated line per run with the
full run id, so no id is ever cut to fit a width; ``--json`` gives the rows as a JSON list for
scripts. What-ifs (``RUN/what-if/NAME``) are listed under their parent run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

__all__ = ["register"]

_COLUMNS = ("run_id", "study", "created", "status", "quick", "winner")


def _rows(out: Path) -> list[dict[str, Any]]:
    from evalkit.store import RunIndex

    index = RunIndex(out)
    try:
        rows = [{key: row[key] for key in (*_COLUMNS, "path")} for row in index.runs()]
    finally:
        index.close()
    for row in rows:
        row["quick"] = bool(row["quick"])
        row["what_ifs"] = _what_ifs(Path(row["path"] or out / row["run_id"]))
    return rows


def _what_ifs(run: Path) -> list[str]:
    folder = run / "what-if"
    return sorted(p.name for p in folder.iterdir() if (p / "scorecard.json").exists()) if folder.is_dir() else []


def register(app: typer.Typer) -> None:
    @app.command()
    def runs(
        out: Path = typer.Option(Path("runs"), "--out", help="Folder that holds run directories."),
        as_json: bool = typer.Option(False, "--json", help="Print the runs as a JSON list."),
    ) -> None:
        """List past runs, newest first."""
        from evalkit.commands.terminal import terminal_safe

        rows = _rows(out) if (out / "index.sqlite").exists() else []
        if as_json:
            print(json.dumps(rows, indent=2))
            return
        if not rows:
            print(f"no runs in {out}")
            return
        if not sys.stdout.isatty():
            for row in rows:
                values = [str(row[key] if key != "quick" else ("quick" if row["quick"] else "")) for key in _COLUMNS]
                print(terminal_safe("\t".join(v if v != "None" else "" for v in values)))
                for name in row["what_ifs"]:
                    print(terminal_safe(f"{row['run_id']}/what-if/{name}\twhat-if"))
            return
        from rich.console import Console
        from rich.table import Table

        table = Table("run id", "study", "created", "status", "quick", "winner")
        for row in rows:
            table.add_row(
                terminal_safe(row["run_id"]), terminal_safe(row["study"]), row["created"], row["status"],
                "yes" if row["quick"] else "", terminal_safe(row["winner"] or ""),
            )  # fmt: skip
            for name in row["what_ifs"]:
                table.add_row(terminal_safe(f"  what-if/{name}"), "", "", "", "", "")
        Console().print(table)
