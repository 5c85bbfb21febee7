"""The exception tree of evalkit.

Every error evalkit raises on purpose derives from ``EvalkitError``. The CLI turns these into one
line on stderr and an exit code; anything else is a bug in evalkit and exits 1 with a traceback.

    EvalkitError                     base; ``exit_code`` says how the CLI ends
    ├── InputError                   the user's input is wrong (exit 2)
    │   ├── StudyError               a study or scorecard file is unreadable or invalid;
    │   │                            carries ``file``, ``line`` and ``field`` (a path such as
    │   │                            ``candidates[1].design``)
    │   ├── UnitError                a duration, rate or percentage that cannot be parsed
    │   ├── RunStoreError            a run directory that is missing, unwritable or inconsistent
    │   └── TargetError              a load-test target that is unreachable or misconfigured
    ├── RunInterruptedError          Ctrl-C during a run; finished cells are kept (exit 130)
    ├── SimulationError              a model could not be built or run (exit 1)
    ├── LoadTestError                a load run could not be carried out (exit 1)
    └── ScoringError                 analysis or scoring could not be completed (exit 1)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EvalkitError",
    "InputError",
    "StudyError",
    "UnitError",
    "RunInterruptedError",
    "RunStoreError",
    "TargetError",
    "SimulationError",
    "LoadTestError",
    "ScoringError",
    "shorten",
]


#: How much of a rejected value an error message echoes: enough to recognise it, never a wall of text.
ECHO_LIMIT = 80


def shorten(value: object, limit: int = ECHO_LIMIT) -> str:
    """The value's repr cut at ``limit`` characters with an ellipsis, so a 5,000-character value stays short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class EvalkitError(Exception):
    """Base of every error evalkit raises deliberately."""

    exit_code: int = 1


class InputError(EvalkitError):
    """The user's input is wrong; the message says what and what is allowed."""

    exit_code = 2


class StudyError(InputError):
    """A study or scorecard file is unreadable or fails validation.

    ``field`` is a dotted path with list indices (``candidates[1].design``); ``line`` is the
    1-based line in ``file`` where the offending value starts, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        #: Every problem of the file, one line each in file order, when validation found several.
        self.problems: list[str] = []
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """Render ``file:line: field: message`` with whichever parts are known."""
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.message])


class UnitError(InputError):
    """A quantity with units (``250ms``, ``40/s``, ``12%``) that cannot be parsed."""


class RunStoreError(InputError):
    """A run directory that is missing, unwritable or does not match its study."""


class TargetError(InputError):
    """A load-test target that is unreachable or misconfigured."""


class RunInterruptedError(EvalkitError):
    """A run was interrupted (Ctrl-C); the message says how to resume it."""

    exit_code = 130


class SimulationError(EvalkitError):
    """A simulation model could not be built or run."""


class LoadTestError(EvalkitError):
    """A load run could not be carried out."""


class ScoringError(EvalkitError):
    """Analysis or scoring could not be completed."""
