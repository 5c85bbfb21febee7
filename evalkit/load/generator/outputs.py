"""Locust's own output, kept next to evalkit's for people who read Locust reports.

After each stage the generator writes Locust's request statistics (``<stage>_stats.csv``) and
failures (``<stage>_failures.csv``), then resets them for the next stage. A second set of
statistics accumulates over the whole run and becomes Locust's HTML report (``report.html``) and
``all_stats.csv`` at the end. A standalone generator adds each stage's statistics to it when the
stage ends (entries and errors merge exactly), rather than logging every request twice as it
happens: that second statistics event per request was a measurable share of the generator's CPU. These are HTTP statistics (start calls and status polls), not
workflow metrics; evalkit's workflow metrics are in ``results.csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from locust.env import Environment
from locust.html import get_html_report
from locust.stats import (
    PERCENTILES_TO_REPORT,
    RequestStats,
    StatsCSV,
    StatsError,
    setup_distributed_stats_event_listeners,
)

__all__ = ["LocustOutputs"]


class LocustOutputs:
    """Per-stage CSVs and a whole-run HTML report from one Locust environment."""

    def __init__(self, environment: Environment, out_dir: Path, suffix: str = "", *, distributed: bool = False) -> None:
        self.environment = environment
        self.out_dir = out_dir
        self.suffix = suffix
        self.whole = RequestStats()
        self.distributed = distributed
        if distributed:
            setup_distributed_stats_event_listeners(environment.events, self.whole)

    def _add_stage(self, stage: RequestStats) -> None:
        """Add one stage's statistics to the whole run's (the master's arrive from the workers)."""
        if self.distributed:
            return
        for (name, method), entry in stage.entries.items():
            self.whole.get(name, method).extend(entry)
        self.whole.total.extend(stage.total)
        for key, error in stage.errors.items():
            if key in self.whole.errors:
                self.whole.errors[key].occurrences += error.occurrences
            else:
                self.whole.errors[key] = StatsError.unserialize(error.serialize())

    def _csv(self, name: str) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        writer = StatsCSV(self.environment, PERCENTILES_TO_REPORT)
        with (self.out_dir / f"{name}{self.suffix}_stats.csv").open("w", newline="", encoding="utf-8") as stream:
            writer.requests_csv(csv.writer(stream))
        with (self.out_dir / f"{name}{self.suffix}_failures.csv").open("w", newline="", encoding="utf-8") as stream:
            writer.failures_csv(csv.writer(stream))

    def stage_done(self, label: str) -> None:
        """Write the stage's CSVs, then reset the per-stage statistics."""
        self._csv(label)
        self._add_stage(self.environment.stats)
        self.environment.stats.reset_all()

    def finish(self) -> None:
        """Write the whole run's HTML report and CSV."""
        per_stage, self.environment.stats = self.environment.stats, self.whole
        try:
            self._csv("all")
            html = get_html_report(self.environment, show_download_link=False)
            (self.out_dir / f"report{self.suffix}.html").write_text(html, encoding="utf-8")
        finally:
            self.environment.stats = per_stage
