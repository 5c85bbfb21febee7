"""What the parts of a simulated cell see of it: a narrow context instead of the whole model.

The executor of the design's visits, the walker and the faults need the SimPy environment, the
candidate's design spec, the tally of workflows, the source of random numbers and the stations
of each pool, and nothing else of ``Model``; ``CellContext`` is exactly that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import simpy

from evalkit.design import DesignSpec, DrawSource
from evalkit.sim.group import StationGroup
from evalkit.sim.station import Station
from evalkit.sim.tally import Tally

__all__ = ["CellContext"]


@dataclass(frozen=True)
class CellContext:
    """One cell's environment, design spec, tally, random numbers and stations."""

    env: simpy.Environment
    spec: DesignSpec
    tally: Tally
    draws: DrawSource
    #: Every pool's stations by pool name (one, or one per partition).
    stations: Mapping[str, tuple[Station, ...]]
    #: Pools some visit waits to see up again, as groups (the broker).
    groups: Mapping[str, StationGroup]
    #: The warm-up: a fault's pre-fault backlog level is averaged from here.
    warmup: float

    def station(self, pool: str) -> Station:
        """The one station of an unpartitioned pool."""
        return self.stations[pool][0]
