"""The compact answer a sweep prints: p95 and throughput per candidate and multiple, and where
each candidate saturates.

One row per candidate, one column per load multiple of the fault-free scenario; each cell shows
the mean p95 cycle time and completed rate across replications, flagged ``!`` when the mean p95
breaks the study's SLO and ``SAT`` when most replications saturated. The last column names the
lowest multiple at which the candidate saturated (``-`` if none did). Plain text, so it reads
the same in a terminal and in a CI log.
"""

from __future__ import annotations

import math

import pandas as pd

from evalkit.results import ResultTable
from evalkit.study import Study
from evalkit.units import format_duration, format_rate

__all__ = ["saturation_point", "sweep_table"]


def _means(table: ResultTable, metric: str) -> pd.Series:
    rows = table.select(source="sim", scenario="baseline", metric=metric)
    return rows.groupby(["candidate", "multiple"])["value"].mean()


def saturation_point(table: ResultTable, candidate: str) -> float | None:
    """Lowest multiple at which most of the candidate's replications saturated (None if none)."""
    saturated = _means(table, "saturated")
    if candidate not in saturated.index.get_level_values(0):
        return None
    points = [m for m, share in saturated[candidate].items() if share >= 0.5]
    return min(points) if points else None


def _cell(p95: float, rate: float, saturated: float, slo: float) -> str:
    text = f"{format_duration(p95) if not math.isnan(p95) else 'n/a'} {format_rate(rate)}"
    if saturated >= 0.5:
        return text + " SAT"
    return text + (" !" if p95 > slo else "")


def sweep_table(table: ResultTable, study: Study) -> list[str]:
    """Lines of the compact table (empty when the table has no baseline rows)."""
    p95, rate, saturated = (_means(table, m) for m in ("cycle_time_p95", "completed_rate", "saturated"))
    if p95.empty:
        return []
    multiples = sorted(p95.index.get_level_values(1).unique())
    names = [c.name for c in study.candidates if c.name in p95.index.get_level_values(0)]
    header = ["candidate", *(f"{m:g}x" for m in multiples), "saturates at"]
    rows = [header]
    for name in names:
        cells = [
            _cell(
                p95.get((name, m), math.nan),
                rate.get((name, m), math.nan),
                saturated.get((name, m), 0.0),
                study.slo.p95_cycle_time,
            )
            if (name, m) in p95.index
            else ""
            for m in multiples
        ]
        point = saturation_point(table, name)
        rows.append([name, *cells, f"{point:g}x" if point is not None else "-"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    legend = f"cells: mean p95 cycle time and completed rate; ! p95 above the SLO ({format_duration(study.slo.p95_cycle_time)}), SAT saturated"
    return [*lines, legend]
