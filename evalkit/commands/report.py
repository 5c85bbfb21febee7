"""``evalkit report RUN_DIR [--open]``: render a scored run's ``scorecard.html`` and ``scorecard.md``.

Reads the run's ``scorecard.json`` (written by ``evalkit score``), writes both reports into the
run directory and prints the HTML file's path. Rendering lives in ``evalkit.report``; this module
only parses arguments and prints.
"""

from __future__ import annotations

from pathlib import Path

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command(name="report")
    def command(
        run_dir: Path = typer.Argument(..., help="A run directory that has been scored (has scorecard.json)."),
        open_: bool = typer.Option(False, "--open", help="Open the HTML scorecard in the default browser."),
    ) -> None:
        """Write scorecard.html and scorecard.md into RUN_DIR; print the HTML file's path."""
        from evalkit.report import write_reports
        from evalkit.store import open_run

        path = write_reports(open_run(run_dir))
        print(path)
        if open_:
            import webbrowser

            webbrowser.open(path.resolve().as_uri())
