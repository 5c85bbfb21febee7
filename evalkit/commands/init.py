"""``evalkit init NAME``: write a commented starter study that validates as it is."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from evalkit.errors import InputError

__all__ = ["register", "starter_study"]


def starter_study(name: str, file_name: str) -> str:
    """The starter study's text for a study called ``name``."""
    template = (Path(__file__).resolve().parents[1] / "study" / "starter.yaml").read_text(encoding="utf-8")
    return template.replace("__NAME__", name).replace("__FILE__", file_name)


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        name: str = typer.Argument(..., help="Study name; the file NAME.yaml is written."),
        directory: Path = typer.Option(Path("."), "--dir", help="Where to write it."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ) -> None:
        """Write a commented starter study, NAME.yaml."""
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}", name):
            raise InputError(f"study name {name!r}: use letters, digits, '.', '_' or '-' (at most 80)")
        path = directory / f"{name}.yaml"
        if path.exists() and not force:
            raise InputError(f"{path} exists; pass --force to overwrite it")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_text(starter_study(name, str(path)), encoding="utf-8")
        except OSError as error:
            raise InputError(f"{path}: cannot write: {error.strerror or error}") from None
        print(f"wrote {path}; check it with: evalkit validate {path}")
