"""The cell ledger: every finished unit of work, committed atomically, so a killed run resumes.

A *cell* is one simulation replication (source × candidate × scenario × multiple × replication)
or one load-test stage. When a cell finishes, its observations are written to the run's
``cells.sqlite`` in one transaction (WAL mode, so a SIGKILL mid-write leaves either the whole cell
or nothing). ``results.csv`` is rebuilt from the ledger in canonical order, which is why a resumed
run ends with the same file as an uninterrupted one: no duplicates, no lost cells.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from evalkit.errors import RunStoreError
from evalkit.metrics import split_workflow_type
from evalkit.results import Observation, ResultTable

__all__ = ["CellLedger", "decode_observation", "encode_observation", "open_cells_database"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    rows TEXT NOT NULL
);
"""


def open_cells_database(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """A SQLite file of cells in WAL mode (a SIGKILL mid-write leaves a whole cell or none; readers
    and a second process may share it), with ``schema`` created; any failure is one line."""
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(schema)
    except sqlite3.Error as error:
        raise RunStoreError(f"{path}: cannot open {what}: {error}") from None
    return connection


class CellLedger:
    """Finished cells of one run, keyed by the cell's stable text key."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection = open_cells_database(self.path, _SCHEMA, "the cell ledger")

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> CellLedger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def done(self, source: str | None = None) -> set[str]:
        """Keys of the cells already committed (of one source, or all)."""
        if source is None:
            rows = self._connection.execute("SELECT key FROM cells")
        else:
            rows = self._connection.execute("SELECT key FROM cells WHERE source = ?", (source,))
        return {key for (key,) in rows}

    def commit(self, key: str, source: str, observations: Sequence[Observation]) -> None:
        """Record one finished cell atomically; committing the same key twice keeps the first."""
        payload = json.dumps([encode_observation(o) for o in observations])
        try:
            with self._connection:
                self._connection.execute("BEGIN IMMEDIATE")
                self._connection.execute(
                    "INSERT OR IGNORE INTO cells (key, source, rows) VALUES (?, ?, ?)", (key, source, payload)
                )
        except sqlite3.Error as error:
            raise RunStoreError(f"{self.path}: cannot record cell {key!r}: {error}") from None

    def forget(self, source: str) -> None:
        """Drop every cell of a source (a load test is re-run whole when asked)."""
        with self._connection:
            self._connection.execute("DELETE FROM cells WHERE source = ?", (source,))

    def observations(self, source: str | None = None) -> Iterable[Observation]:
        query = "SELECT rows FROM cells" + (" WHERE source = ?" if source else "") + " ORDER BY key"
        for (payload,) in self._connection.execute(query, (source,) if source else ()):
            for row in json.loads(payload):
                yield decode_observation(row)

    def table(self, source: str | None = None) -> ResultTable:
        """The results so far, in canonical order."""
        return ResultTable.from_observations(self.observations(source))


def encode_observation(observation: Observation) -> list[object]:
    return [
        observation.source,
        observation.candidate,
        observation.design,
        observation.scenario,
        observation.multiple,
        observation.replication,
        observation.metric,
        observation.value,
        observation.unit,
        observation.workflow_type,
    ]


def decode_observation(row: list[Any]) -> Observation:
    """The inverse of ``encode_observation`` (a row of JSON scalars).

    A ledger written before the ``workflow_type`` field has nine fields and names a mix's per-type
    rows ``metric@type``; such a row is read under its type, so an older run resumes as it was.
    """
    source, candidate, design, scenario, multiple, replication, metric, value, unit, *typed = row
    metric, workflow_type = (str(metric), str(typed[0])) if typed else split_workflow_type(str(metric))
    return Observation(
        source, str(candidate), str(design), str(scenario), float(multiple), int(replication), metric,
        float(value), str(unit), workflow_type,
    )  # fmt: skip
