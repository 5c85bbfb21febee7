"""``evalkit schema``: print the JSON Schema of study (or scorecard) files for editors."""

from __future__ import annotations

import json

import typer

__all__ = ["register", "study_json_schema"]


def study_json_schema(kind: str = "study") -> dict[str, object]:
    """The JSON Schema of a study or a scorecard file."""
    from evalkit.study import Scorecard, Study

    model = Study if kind == "study" else Scorecard
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"evalkit {kind}"
    return schema


def register(app: typer.Typer) -> None:
    @app.command()
    def schema(
        scorecard: bool = typer.Option(False, "--scorecard", help="Print the scorecard file's schema instead."),
    ) -> None:
        """Print the JSON Schema of study files, so editors can complete and check them."""
        print(json.dumps(study_json_schema("scorecard" if scorecard else "study"), indent=2))
