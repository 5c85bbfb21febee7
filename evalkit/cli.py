"""The ``evalkit`` command line: argument parsing and printing only.

Each command lives in its own module under ``evalkit.commands`` and registers itself on the Typer
app; the work is done by ``evalkit.pipeline`` and the packages it wires. This module owns how
evalkit *ends*: an ``EvalkitError`` becomes one line on stderr and its exit code (2 for the user's
input, 1 for evalkit's own failures), Ctrl-C exits 130, anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys

import click
import typer

from evalkit import __version__
from evalkit.commands import register_all
from evalkit.errors import EvalkitError

__all__ = ["app", "main"]

app = typer.Typer(
    name="evalkit",
    help="Choose a process-orchestration platform on evidence: simulate, load-test, analyse, score, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"evalkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Choose a process-orchestration platform on evidence."""


register_all(app)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with evalkit's exit codes (0 ok, 1 evalkit's fault, 2 bad input, 130 Ctrl-C)."""
    try:
        app(args=argv, standalone_mode=False, prog_name="evalkit")
    except EvalkitError as error:
        print(f"evalkit: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as usage:
        usage.show()
        sys.exit(2)
    except (KeyboardInterrupt, click.exceptions.Abort):
        print("evalkit: interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(0)
