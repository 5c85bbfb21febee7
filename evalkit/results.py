"""The one tidy results table that the simulation and the load test both write.

Every measurement is one **Observation**: which source (``sim``, ``load`` or ``analytic``), candidate, design,
scenario (``baseline`` or a fault's name), load multiple and replication it belongs to, and one
metric with its value and unit. Metric names and units come from ``evalkit.metrics``, so a
simulated ``cycle_time_p95`` and a measured one land in the same column of the same chart.

``ResultTable`` wraps the long pandas frame: it writes ``results.csv`` in a deterministic order
(so equal runs give byte-identical files) and summarises replications into mean and a 95%
t-interval per cell and metric.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import RunStoreError
from evalkit.metrics import is_result_metric, result_unit

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "SUMMARY_COLUMNS",
    "Observation",
    "observations",
    "ResultTable",
    "t_interval",
]

Source = Literal["sim", "load", "analytic"]
COLUMNS: tuple[str, ...] = (
    "source",
    "candidate",
    "design",
    "scenario",
    "multiple",
    "replication",
    "metric",
    "value",
    "unit",
)
KEY_COLUMNS: tuple[str, ...] = ("source", "candidate", "design", "scenario", "multiple", "replication")
SUMMARY_COLUMNS: tuple[str, ...] = (
    "source", "candidate", "design", "scenario", "multiple", "metric", "unit",
    "n", "mean", "std", "ci_low", "ci_high", "half_width",
)  # fmt: skip
_SORT = ["source", "candidate", "scenario", "multiple", "replication", "metric"]


@dataclass(frozen=True, slots=True)
class Observation:
    """One measured or simulated number, keyed by where it came from."""

    source: Source
    candidate: str
    design: str
    scenario: str
    multiple: float
    replication: int
    metric: str
    value: float
    unit: str


def observations(
    *,
    source: Source,
    candidate: str,
    design: str,
    scenario: str,
    multiple: float,
    replication: int,
    metrics: Mapping[str, float],
) -> list[Observation]:
    """Rows for one cell: every metric with its registered unit; unknown metric names are a bug."""
    rows = []
    for metric, value in metrics.items():
        if not is_result_metric(metric):
            raise ValueError(f"unknown result metric {metric!r}; register it in evalkit.metrics")
        rows.append(
            Observation(
                source,
                candidate,
                design,
                scenario,
                float(multiple),
                int(replication),
                metric,
                float(value),
                result_unit(metric),
            )
        )
    return rows


def t_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean, standard deviation and the t-interval half-width of independent replications.

    With one value the half-width is NaN: one replication says nothing about its own spread.
    """
    from scipy import stats

    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if data.size == 1:
        return mean, math.nan, math.nan
    std = float(data.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, data.size - 1) * std / math.sqrt(data.size))
    return mean, std, half


class ResultTable:
    """The long results table: one row per observation, in a canonical order."""

    def __init__(self, frame: pd.DataFrame) -> None:
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"results table lacks columns {missing}")
        frame = frame.loc[:, list(COLUMNS)].astype(
            {"multiple": float, "replication": int, "value": float, "source": str, "metric": str, "unit": str}
        )
        self.frame = frame.sort_values(_SORT, kind="mergesort").reset_index(drop=True)

    @classmethod
    def from_observations(cls, rows: Iterable[Observation]) -> ResultTable:
        """Build a table from observations (any order)."""
        return cls(pd.DataFrame([astuple(r) for r in rows], columns=list(COLUMNS)))

    @classmethod
    def empty(cls) -> ResultTable:
        return cls(pd.DataFrame(columns=list(COLUMNS)))

    @classmethod
    def read_csv(cls, path: str | Path) -> ResultTable:
        """Read ``results.csv``; a missing or malformed file is the user's problem, said in one line."""
        path = Path(path)
        try:
            frame = pd.read_csv(path, dtype={"candidate": str, "design": str, "scenario": str})
        except FileNotFoundError:
            raise RunStoreError(f"{path}: results table not found") from None
        except OSError as error:  # a folder in its place, no permission
            raise RunStoreError(f"{path}: unreadable ({error.strerror or error})") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise RunStoreError(f"{path}: not a results table ({error})") from None
        try:
            return cls(frame)
        except (ValueError, TypeError) as error:
            raise RunStoreError(f"{path}: {error}") from None

    def write_csv(self, path: str | Path) -> None:
        """Write ``results.csv``; floats are written exactly (round-trip repr)."""
        self.frame.to_csv(path, index=False, lineterminator="\n")

    def concat(self, other: ResultTable) -> ResultTable:
        return ResultTable(pd.concat([self.frame, other.frame], ignore_index=True))

    def __len__(self) -> int:
        return len(self.frame)

    def select(self, **where: object) -> pd.DataFrame:
        """Rows whose columns equal the given values (``source="sim", metric="cycle_time_p95"``)."""
        mask = np.ones(len(self.frame), dtype=bool)
        for column, value in where.items():
            mask &= (self.frame[column] == value).to_numpy()
        return self.frame[mask]

    def by_workflow_type(self) -> pd.DataFrame:
        """The rows with a ``workflow_type`` column: ``all`` for the whole, the type for ``metric@type`` rows.

        A mixed study writes per-type rows as ``cycle_time_p95@referred``; here they read as metric
        ``cycle_time_p95`` of workflow type ``referred``, beside the same metric of ``all``.
        """
        frame = self.frame.copy()
        split = frame["metric"].str.partition("@")
        frame["metric"] = split[0]
        frame["workflow_type"] = split[2].where(split[2] != "", "all")
        return frame

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval across replications for every cell and metric."""
        groups = ["source", "candidate", "design", "scenario", "multiple", "metric", "unit"]
        records = []
        for key, group in self.frame.groupby(groups, sort=True, dropna=False):
            mean, std, half = t_interval(group["value"].to_numpy(), confidence)
            records.append((*key, int(group["value"].notna().sum()), mean, std, mean - half, mean + half, half))
        return pd.DataFrame(records, columns=list(SUMMARY_COLUMNS))
