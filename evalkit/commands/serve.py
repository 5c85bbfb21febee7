"""``evalkit serve``: not built yet (see the issue that owns it)."""

from __future__ import annotations

import typer

from evalkit.errors import EvalkitError

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command(name="serve", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    def command() -> None:
        """Not built yet."""
        raise EvalkitError("'evalkit serve' is not built yet")
