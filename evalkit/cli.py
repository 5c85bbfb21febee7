"""The ``evalkit`` command line: argument parsing and printing only.

Each command lives in its own module under ``evalkit.commands`` and registers itself on the Typer
app; the work is done by ``evalkit.pipeline`` and the packages it wires. This module owns how
evalkit *ends*: an ``EvalkitError`` becomes one line on stderr and its exit code (2 for the user's
input, 1 for evalkit's own failures), Ctrl-C exits 130, anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import sys

import typer

from evalkit import __version__
from evalkit.commands import calibrate, import_bpmn, platform, register_all
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
import_bpmn.register(app)  # evalkit import-bpmn (issue 12)
platform.register(app)  # evalkit platform up|down|status: real engines' kits (issue 13)
calibrate.register(app)  # evalkit calibrate (issue 14)


def _is_usage_error(error: Exception) -> bool:
    """A command-line usage error from Typer's click layer (wrong option, missing argument)."""
    return callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and exit with evalkit's exit codes (0 ok, 1 evalkit's fault, 2 bad input, 130 Ctrl-C)."""
    try:
        # Without standalone mode click returns a command's Exit code instead of exiting,
        # and lets Ctrl-C through so it can end with 130 rather than click's 1.
        code = app(args=argv, standalone_mode=False, prog_name="evalkit")
    except EvalkitError as error:
        print(f"evalkit: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        print("evalkit: interrupted", file=sys.stderr)
        sys.exit(130)
    except Exception as error:
        if not _is_usage_error(error):
            raise
        error.show()  # type: ignore[attr-defined]
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)
