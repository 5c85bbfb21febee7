"""``evalkit serve STUDY --candidate NAME``: run a candidate's reference platform over HTTP.

The reference platform executes the study's process live with the candidate's design (see
``docs/models.md`` and ``evalkit.load.reference``), so a study can be load-tested end to end
without any external platform. It serves until Ctrl-C or SIGTERM.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from evalkit.study import Study

__all__ = ["register"]


def _choose_candidate(study: Study, name: str | None) -> str:
    from evalkit.errors import InputError

    names = [c.name for c in study.candidates]
    if name is None:
        if len(names) == 1:
            return names[0]
        raise InputError(f"the study has {len(names)} candidates; choose one with --candidate: {', '.join(names)}")
    if name not in names:
        raise InputError(f"unknown candidate {name!r}; the study has: {', '.join(names)}")
    return name


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        study_path: Path = typer.Argument(..., metavar="STUDY", help="Study file."),
        candidate: str | None = typer.Option(None, "--candidate", "-c", help="Candidate whose design to run."),
        port: int = typer.Option(8080, "--port", min=0, max=65535, help="TCP port (0 picks a free one)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
        time_scale: float | None = typer.Option(
            None, "--time-scale", help="Real seconds per study second (default: the study's load.time_scale)."
        ),
        seed: int | None = typer.Option(None, "--seed", help="Override the study's seed."),
        watch_parent: int | None = typer.Option(None, "--watch-parent", hidden=True),
    ) -> None:
        """Run a candidate's reference platform: its design executing the study's process live."""
        import asyncio

        from evalkit.errors import InputError
        from evalkit.load.reference.app import make_app, serve
        from evalkit.study import load_study

        study = load_study(study_path)
        name = _choose_candidate(study, candidate)
        scale = study.load.time_scale if time_scale is None else time_scale
        if not scale > 0:
            raise InputError(f"--time-scale must be positive, got {time_scale}")
        design = study.candidate(name).design

        def ready(url: str) -> None:
            print(f"evalkit serve: {name} ({design}) listening on {url} (time scale {scale:g})", flush=True)

        application = make_app(study, name, time_scale=scale, seed=seed)
        try:
            asyncio.run(serve(application, host=host, port=port, on_ready=ready, watch_parent=watch_parent))
        except OSError as error:
            raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
