"""Locust's own per-stage output, kept next to evalkit's for people who read Locust reports.

After each stage the generator writes Locust's request statistics (``<stage>_stats.csv``), its
failures (``<stage>_failures.csv``) and its HTML report (``<stage>.html``), then resets Locust's
statistics for the next stage. These are HTTP statistics (start calls and status polls), not
workflow metrics; evalkit's workflow metrics are in ``results.csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from locust.env import Environment
from locust.html import get_html_report
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

__all__ = ["write_stage_outputs"]


def write_stage_outputs(environment: Environment, out_dir: Path, name: str) -> None:
    """Write Locust's CSV and HTML for the stage that just ended, then reset its statistics."""
    out_dir.mkdir(parents=True, exist_ok=True)
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    with (out_dir / f"{name}_stats.csv").open("w", newline="", encoding="utf-8") as stream:
        writer.requests_csv(csv.writer(stream))
    with (out_dir / f"{name}_failures.csv").open("w", newline="", encoding="utf-8") as stream:
        writer.failures_csv(csv.writer(stream))
    html = get_html_report(environment, show_download_link=False)
    (out_dir / f"{name}.html").write_text(html, encoding="utf-8")
    environment.stats.reset_all()
