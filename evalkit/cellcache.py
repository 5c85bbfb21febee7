"""The cell cache: simulated cells re-used by later runs whose inputs to that cell did not change.

A simulated cell (one candidate, scenario, multiple and replication) is a pure function of a few
inputs: the seed, the workload, the traffic's shape (rate, arrivals, profile, horizon, warm-up;
not how many replications or which multiples the study lists), the SLO (it bounds the backlog),
the candidate's design and parameters, the fault for a fault scenario, and evalkit's own
version. ``cell_fingerprint`` hashes exactly those, so changing the load settings, a scorecard,
an assessment or the cost inputs re-uses every simulated cell, while changing a service time
re-simulates them all.

The cache lives beside the runs (``OUT/cell-cache.sqlite``), shared by every run in that folder,
in WAL mode so concurrent runs can read and add to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.ledger import decode_observation, encode_observation, open_cells_database
from evalkit.results import Observation
from evalkit.study import Study

if TYPE_CHECKING:
    from evalkit.sim import SimCell

__all__ = ["CellCache", "cell_fingerprint"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS cells (fingerprint TEXT PRIMARY KEY, rows TEXT NOT NULL)"
#: Traffic fields that say how much to run, not what one cell is.
_NOT_PER_CELL = {"replications", "multiples"}


def _version() -> str:
    from evalkit import __version__

    return __version__


def cell_fingerprint(study: Study, cell: SimCell) -> str:
    """SHA-256 of exactly the inputs that determine this cell's rows (see the module docstring)."""
    candidate = next(c for c in study.candidates if c.name == cell.candidate)
    fault = next((f for f in study.faults if f.name == cell.scenario), None)
    traffic = {k: v for k, v in study.traffic.model_dump(mode="json").items() if k not in _NOT_PER_CELL}
    inputs: dict[str, Any] = {
        "evalkit": _version(),
        "seed": study.seed,
        "workload": study.workload.model_dump(mode="json"),
        "traffic": traffic,
        "slo": study.slo.model_dump(mode="json"),
        "candidate": {
            "name": candidate.name,
            "design": candidate.design,
            "parameters": candidate.parameters.model_dump(mode="json"),
        },
        "fault": None
        if fault is None
        else {k: v for k, v in fault.model_dump(mode="json").items() if k != "multiples"},
        "cell": [cell.scenario, repr(float(cell.multiple)), cell.replication],
    }
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CellCache:
    """Simulated cells by fingerprint, shared by the runs in one output folder."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._connection = open_cells_database(self.path, _SCHEMA, "the cell cache")

    def __enter__(self) -> CellCache:
        return self

    def __exit__(self, *_: object) -> None:
        self._connection.close()

    def get(self, fingerprint: str) -> list[Observation] | None:
        """The cell's rows, or None when it was never simulated with these inputs."""
        found = self._connection.execute("SELECT rows FROM cells WHERE fingerprint = ?", (fingerprint,)).fetchone()
        return None if found is None else [decode_observation(row) for row in json.loads(found[0])]

    def put(self, fingerprint: str, rows: Sequence[Observation]) -> None:
        encoded = json.dumps([encode_observation(row) for row in rows])
        with self._connection:
            self._connection.execute("INSERT OR IGNORE INTO cells VALUES (?, ?)", (fingerprint, encoded))
