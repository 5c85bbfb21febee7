"""Several stations that go down and come up together, with a signal for those waiting on them.

A broker is one pool of many partitions (stations of capacity 1). A broker outage stops every
partition at once, and a delivery waits until the broker is back (``AwaitUp`` in the design
spec): the group keeps an ``up`` event while it is down, which every such wait yields on.
"""

from __future__ import annotations

from typing import Any

import simpy

from evalkit.sim.station import Station

__all__ = ["StationGroup"]


class StationGroup:
    """A fault target made of several stations, with an ``up`` event while it is down."""

    def __init__(self, env: simpy.Environment, stations: tuple[Station, ...]) -> None:
        self._env = env
        self.stations = stations
        self.watch: Any = None
        self.up: simpy.Event | None = None

    def go_down(self) -> None:
        for station in self.stations:
            station.watch = self.watch
            station.go_down()
        if self.up is None:
            self.up = self._env.event()

    def come_up(self) -> None:
        for station in self.stations:
            station.come_up()
        if self.up is not None and not any(station.down for station in self.stations):
            up, self.up = self.up, None
            up.succeed()
