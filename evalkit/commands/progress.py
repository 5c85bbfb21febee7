"""Progress display for long commands: rich bars with ETA on a terminal, plain lines elsewhere.

``make_reporter`` picks the form: rich progress bars (one overall, one for the current stage)
when stdout is a terminal, one line per stage and per tenth of a stage otherwise (CI logs stay
readable), nothing with ``--quiet``. It implements ``evalkit.pipeline.Reporter``.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from evalkit.pipeline import SilentReporter

__all__ = ["PlainReporter", "QuietReporter", "RichReporter", "make_reporter"]


class QuietReporter(SilentReporter):
    """Prints nothing; usable as a context manager like the reporters that do."""

    def __enter__(self) -> QuietReporter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        pass


class PlainReporter(QuietReporter):
    """One line per stage, and a line each time a stage passes another tenth."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total: int | None = None
        self.done = 0
        self.name = ""
        self.last_tenth = -1

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def stage(self, name: str, total: int | None = None) -> None:
        self.name, self.total, self.done, self.last_tenth = name, total, 0, -1
        self._print(f"[{name}]" + (f" {total} cells" if total else ""))

    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        self.done += steps
        if self.total:
            tenth = int(10 * self.done / self.total)
            if tenth != self.last_tenth:
                self.last_tenth = tenth
                self._print(f"  {self.name}: {self.done}/{self.total}" + (f" ({detail})" if detail else ""))

    def note(self, text: str) -> None:
        self._print(f"  {text}")


class RichReporter(QuietReporter):
    """Rich progress bars: the whole run, and the current stage with its ETA."""

    def __init__(self, stages: int, console: Console | None = None) -> None:
        self.console = console or Console()
        self.progress = Progress(
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[detail]}"),
            console=self.console,
        )
        self.overall = self.progress.add_task("overall", total=stages, detail="")
        self.current: TaskID | None = None
        self.within: TaskID | None = None  # the running load stage, when there is one

    def __enter__(self) -> RichReporter:
        self.progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:  # finished: the last stage and the whole run are complete
            if self.current is not None:
                self.progress.update(self.current, completed=self.progress.tasks[self.current].total or 1)
            self.progress.update(self.overall, completed=self.progress.tasks[self.overall].total or 1)
        self.progress.stop()

    def stage(self, name: str, total: int | None = None) -> None:
        if self.current is not None:
            self.progress.update(self.current, completed=self.progress.tasks[self.current].total or 1)
            self.progress.advance(self.overall)
        self.current = self.progress.add_task(name, total=total or 1, detail="")

    def advance(self, steps: int = 1, *, detail: str = "") -> None:
        if self.current is not None:
            self.progress.update(self.current, advance=steps, detail=detail[:40])

    def note(self, text: str) -> None:
        self.progress.console.print(f"  {text}")

    def substage(self, label: str, fraction: float) -> None:
        """One load stage's own bar (warm-up, window, drain), replaced by the next stage's."""
        if self.within is None:
            self.within = self.progress.add_task("  stage", total=1.0, detail="")
        self.progress.update(self.within, completed=min(max(fraction, 0.0), 1.0), detail=label[:40])


def make_reporter(*, quiet: bool, stages: int) -> QuietReporter:
    """Rich bars on a terminal, plain lines otherwise, nothing when quiet."""
    if quiet:
        return QuietReporter()
    if sys.stdout.isatty():
        return RichReporter(stages)
    return PlainReporter()
