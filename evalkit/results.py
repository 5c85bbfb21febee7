"""The one tidy results table that the simulation and the load test both write.

Every measurement is one **Observation**: which source (``sim``, ``load`` or ``analytic``), candidate, design,
scenario (``baseline`` or a fault's name), load multiple and replication it belongs to, which
**workflow type** it describes (``all`` for the whole traffic; a type's name for the per-type
figures of a mix), and one metric with its value and unit. Metric names and units come from
``evalkit.metrics``, so a simulated ``cycle_time_p95`` and a measured one land in the same column
of the same chart.

A source hands its per-type figures in as ``metric@type`` keys of its metric mapping (one dict per
cell); ``observations`` files them under their ``workflow_type`` and the plain metric name, so no
reader of the table parses names. ``select`` reads the whole (``workflow_type == "all"``) unless
asked for a type. A table without the column (a run written before it existed) is read by
deriving it from those names once, here.

``ResultTable`` wraps the long pandas frame: it writes ``results.csv`` in a deterministic order
(so equal runs give byte-identical files) and summarises replications into mean and a 95%
t-interval per cell and metric.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from evalkit.errors import RunStoreError
from evalkit.metrics import is_result_metric, result_unit, split_workflow_type

__all__ = [
    "COLUMNS",
    "KEY_COLUMNS",
    "SUMMARY_COLUMNS",
    "WHOLE",
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
    "workflow_type",
    "metric",
    "value",
    "unit",
)
KEY_COLUMNS: tuple[str, ...] = ("source", "candidate", "design", "scenario", "multiple", "replication")
SUMMARY_COLUMNS: tuple[str, ...] = (
    "source", "candidate", "design", "scenario", "multiple", "workflow_type", "metric", "unit",
    "n", "mean", "std", "ci_low", "ci_high", "half_width",
)  # fmt: skip
_SORT = ["source", "candidate", "scenario", "multiple", "replication", "workflow_type", "metric"]
#: The whole traffic's figures; a mix adds one set per workflow type under the type's name.
WHOLE = "all"


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
    # Last and defaulted, so the nine positional fields keep their order (the ledger's old rows).
    workflow_type: str = WHOLE


_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Observation))


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
    """Rows for one cell: every metric with its registered unit; unknown metric names are a bug.

    A ``metric@type`` key (a mix's per-type figure) becomes a row of that ``workflow_type``.
    """
    rows = []
    for name, value in metrics.items():
        if not is_result_metric(name):
            raise ValueError(f"unknown result metric {name!r}; register it in evalkit.metrics")
        metric, workflow_type = split_workflow_type(name)
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
                result_unit(name),
                workflow_type,
            )
        )
    return rows


def t_interval(values: Iterable[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean, standard deviation and the t-interval half-width of independent replications.

    With one value the half-width is NaN: one replication says nothing about its own spread.
    """
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(data.mean())
    if data.size == 1:
        return mean, math.nan, math.nan
    std = float(data.std(ddof=1))
    half = float(_t_quantile(0.5 + confidence / 2, data.size - 1) * std / math.sqrt(data.size))
    return mean, std, half


@functools.lru_cache(maxsize=256)
def _t_quantile(probability: float, degrees: int) -> float:
    """Student's t quantile, remembered: a summary asks for the same few thousands of times."""
    from scipy import stats

    return float(stats.t.ppf(probability, degrees))


class ResultTable:
    """The long results table: one row per observation, in a canonical order."""

    def __init__(self, frame: pd.DataFrame) -> None:
        if "workflow_type" not in frame.columns and "metric" in frame.columns:
            frame = _typed(frame)  # written before the column existed: per-type rows were ``metric@type``
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"results table lacks columns {missing}")
        frame = frame.loc[:, list(COLUMNS)].astype(
            {
                "multiple": float,
                "replication": int,
                "value": float,
                "source": str,
                "workflow_type": str,
                "metric": str,
                "unit": str,
            }
        )
        self.frame = frame.sort_values(_SORT, kind="mergesort").reset_index(drop=True)

    @classmethod
    def from_observations(cls, rows: Iterable[Observation]) -> ResultTable:
        """Build a table from observations (any order)."""
        return cls(pd.DataFrame([astuple(r) for r in rows], columns=list(_FIELDS)))

    @classmethod
    def empty(cls) -> ResultTable:
        return cls(pd.DataFrame(columns=list(COLUMNS)))

    @classmethod
    def read_csv(cls, path: str | Path) -> ResultTable:
        """Read ``results.csv``; a missing or malformed file is the user's problem, said in one line."""
        path = Path(path)
        try:
            text = {"candidate": str, "design": str, "scenario": str, "workflow_type": str}
            frame = pd.read_csv(path, dtype=text)
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
        """Rows whose columns equal the given values (``source="sim", metric="cycle_time_p95"``).

        Only the whole traffic's rows unless ``workflow_type`` is given: a mix's per-type rows
        repeat the same metric names, and a reader that did not ask for them must not mix them in.
        """
        where = {"workflow_type": WHOLE, **where}
        mask = np.ones(len(self.frame), dtype=bool)
        for column, value in where.items():
            mask &= (self.frame[column] == value).to_numpy()
        return self.frame[mask]

    @property
    def whole(self) -> pd.DataFrame:
        """The whole traffic's rows (``workflow_type == "all"``): what a reader of one figure per cell wants."""
        return self.frame[self.frame["workflow_type"] == WHOLE]

    def by_workflow_type(self) -> pd.DataFrame:
        """Every row, the whole (``all``) beside each type of a mix, keyed by ``workflow_type``."""
        return self.frame.copy()

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval across replications for every cell, workflow type and metric."""
        groups = ["source", "candidate", "design", "scenario", "multiple", "workflow_type", "metric", "unit"]
        grouped = self.frame.groupby(groups, sort=True, dropna=False)
        sizes = grouped.size()  # the groups' keys in the order ngroup() numbers them
        # One stable sort instead of a DataFrame per group: each group's values keep their row order,
        # so every mean and deviation is computed on the same array as before, bit for bit.
        order = np.argsort(grouped.ngroup().to_numpy(), kind="stable")
        values = self.frame["value"].to_numpy(dtype=float)[order]
        # (an empty table has no groups, but np.split of nothing would still give one empty chunk)
        chunks = np.split(values, np.cumsum(sizes.to_numpy())[:-1]) if len(sizes) else []
        records = []
        for key, chunk in zip(sizes.index, chunks, strict=True):
            mean, std, half = t_interval(chunk, confidence)
            count = int(np.count_nonzero(~np.isnan(chunk)))
            records.append((*key, count, mean, std, mean - half, mean + half, half))
        return pd.DataFrame(records, columns=list(SUMMARY_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """An older table's ``metric@type`` rows as metric and ``workflow_type`` (the whole is ``all``)."""
    frame = frame.copy()
    split = frame["metric"].astype(str).str.partition("@")
    frame["metric"] = split[0]
    frame["workflow_type"] = split[2].where(split[2] != "", WHOLE)
    return frame
