"""``evalkit import-bpmn PROCESS.bpmn [--mapping MAP.yaml] -o STUDY.yaml``: a study from a BPMN map."""

from __future__ import annotations

from pathlib import Path

import typer

from evalkit.errors import InputError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("import-bpmn")
    def import_bpmn(
        bpmn: Path = typer.Argument(..., help="The BPMN 2.0 file (Camunda Modeler, bpmn.io, Signavio export)."),
        mapping: Path | None = typer.Option(
            None, "--mapping", help="YAML with systems, durations and probabilities, keyed by BPMN id or name."
        ),
        output: Path = typer.Option(..., "-o", "--output", help="The study file to write."),
        force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
    ) -> None:
        """Turn a BPMN process map into a study skeleton; unknown numbers are marked TODO."""
        from evalkit.bpmn import import_bpmn as convert
        from evalkit.bpmn import load_mapping

        if output.exists() and not force:
            raise InputError(f"{output} exists; pass --force to overwrite it")
        imported = convert(bpmn, load_mapping(mapping))
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(imported.to_yaml(), encoding="utf-8")
        except OSError as error:
            raise InputError(f"{output}: cannot write: {error.strerror or error}") from None
        todos = imported.todos
        if todos:
            print(
                f"wrote {output}: {len(todos)} value(s) still TODO (first: {todos[0]}); fill them in, then: evalkit validate {output}"
            )
        else:
            print(f"wrote {output}; check it with: evalkit validate {output}")
