"""The plan a generator process receives: target, stage timing, rates and seeds, as JSON.

The calling process never imports Locust (it monkey-patches the standard library through
gevent), so each generator runs as ``python -m evalkit.load.generator SPEC --worker K`` and reads
everything it needs from this file. Rates here are wall-clock rates of the *whole* load test;
worker K of N carries ``rate / N`` and, for constant arrivals, phase ``K / N``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GeneratorSpec", "StagePlan"]


@dataclass(frozen=True)
class StagePlan:
    """One stage as a generator runs it."""

    index: int
    label: str
    multiple: float
    rate: float  # wall-clock workflow starts per second at the profile's peak, all workers together
    offered_rate: float  # per study second, averaged over the window: the ``offered_rate`` metric
    seed_entropy: int
    seed_key: tuple[int, ...]  # spawn key without the worker index


@dataclass(frozen=True)
class GeneratorSpec:
    """Everything a generator process needs."""

    target: dict[str, Any]  # evalkit.study.Target as JSON (headers still hold ${VAR} references)
    time_scale: float
    reference: bool
    arrivals: str
    profile: dict[str, Any] | None  # evalkit.study.traffic.Profile as JSON; None for flat
    warmup: float
    window: float
    drain: float
    late_after: float
    max_in_flight: int  # per worker
    max_requests: int  # per worker and stage
    sample_interval: float
    workers: int
    out_dir: str
    stages: tuple[StagePlan, ...] = field(default_factory=tuple)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> GeneratorSpec:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        stages = tuple(StagePlan(**{**s, "seed_key": tuple(s["seed_key"])}) for s in data.pop("stages"))
        return cls(**data, stages=stages)
