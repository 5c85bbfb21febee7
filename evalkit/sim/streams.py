"""Random streams of one simulated cell, derived so that candidates share them.

Every cell (candidate × scenario × load multiple × replication) draws its random numbers from a
``numpy.random.SeedSequence`` built from the study's seed and the cell's scenario, multiple and
replication, but **not** its candidate. Two candidates simulated for the same replication at the
same multiple therefore see the same arrivals, the same service times and the same exception
draws: common random numbers, so a difference between designs is the designs' and not the
dice's. Replications get independent streams, which is what the confidence intervals assume.

The seed sequence is split into separate child streams by purpose (arrivals, service times,
exceptions, faults, routing: the broker partition and duplicate deliveries), so a design that
draws more of one kind (a retry, a duplicate delivery) does not shift the others. Study faults
are deterministic windows today, so the faults stream is reserved: it exists so that random
fault timing can be added without moving any other stream. Within a purpose, numbers drawn per workflow in arrival
order (``per_workflow``) stay aligned across designs workflow by workflow; numbers drawn on
demand (``extra``: a retry's new service time) follow event order and are only shared in
distribution.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

__all__ = ["PURPOSES", "Stream", "Streams", "cell_seed_sequence", "cell_streams"]

PURPOSES = ("arrivals", "service", "exceptions", "faults", "routing")


@dataclass(frozen=True)
class Stream:
    """One purpose's generators: drawn in arrival order, and drawn on demand."""

    per_workflow: np.random.Generator
    extra: np.random.Generator


@dataclass(frozen=True)
class Streams:
    """The independent random streams of one cell, one per purpose."""

    arrivals: Stream
    service: Stream
    exceptions: Stream
    faults: Stream
    routing: Stream


def _scenario_words(scenario: str, multiple: float) -> tuple[int, ...]:
    # A stable text hash (Python's hash() is salted per process) of what the cell depends on.
    text = f"{scenario}\x00{float(multiple)!r}".encode()
    digest = hashlib.sha256(text).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def cell_seed_sequence(seed: int, scenario: str, multiple: float, replication: int) -> np.random.SeedSequence:
    """The root seed sequence of a cell: study seed, scenario, multiple and replication only."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(*_scenario_words(scenario, multiple), replication))


def cell_streams(seed: int, scenario: str, multiple: float, replication: int) -> Streams:
    """Fresh generators for a cell; equal arguments give equal numbers in any process."""
    root = cell_seed_sequence(seed, scenario, multiple, replication)
    streams = []
    for child in root.spawn(len(PURPOSES)):
        per_workflow, extra = child.spawn(2)
        streams.append(Stream(np.random.default_rng(per_workflow), np.random.default_rng(extra)))
    return Streams(*streams)
