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

import numpy as np

from evalkit.load.arrivals import arrival_offsets

__all__ = ["GeneratorSpec", "StagePlan"]


@dataclass(frozen=True)
class StagePlan:
    """One stage as a generator runs it."""

    index: int
    label: str
    multiple: float
    rate: float  # wall-clock workflow starts per second at the profile's peak, all workers together
    seed_entropy: int
    seed_key: tuple[int, ...]  # spawn key without the worker index

    def streams(self, worker: int) -> tuple[np.random.Generator, np.random.Generator]:
        """Worker ``worker``'s random streams for this stage: arrival times, and workflow ids."""
        sequence = np.random.SeedSequence(entropy=self.seed_entropy, spawn_key=(*self.seed_key, worker))
        arrivals, identities = sequence.spawn(2)
        return np.random.default_rng(arrivals), np.random.default_rng(identities)

    def type_stream(self, worker: int) -> np.random.Generator:
        """Worker ``worker``'s stream for choosing each workflow's type in a mix (a third child, so
        the arrival and identity streams stay what they were)."""
        sequence = np.random.SeedSequence(entropy=self.seed_entropy, spawn_key=(*self.seed_key, worker))
        return np.random.default_rng(sequence.spawn(3)[2])


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
    record_samples: bool = False  # debug: keep raw cycle times too (see StageRecord.samples)
    #: Live targets: how long to wait between stages for the workflows a drain gave up on to end.
    spill_timeout: float = 0.0
    #: A mix whose start call carries the type (``{{type}}``): (name, share) per type; empty otherwise.
    workflow_types: tuple[tuple[str, float], ...] = ()

    def intended_offsets(self, plan: StagePlan, worker: int, rng: np.random.Generator) -> np.ndarray:
        """Worker ``worker``'s intended start offsets for a stage (seconds from the stage's start)."""
        from pydantic import TypeAdapter

        from evalkit.study.traffic import Profile

        profile = TypeAdapter(Profile).validate_python(self.profile) if self.profile else None
        share = None
        if profile is not None and profile.kind != "flat":
            share = lambda t: profile.share(t / self.time_scale)  # noqa: E731 - the profile runs on study time
        return arrival_offsets(
            plan.rate / self.workers,
            self.warmup + self.window,
            self.arrivals,  # type: ignore[arg-type]
            rng,
            share=share,
            max_share=profile.max_share if profile is not None else 1.0,
            phase=worker / self.workers,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GeneratorSpec:
        data = dict(data)
        stages = tuple(StagePlan(**{**s, "seed_key": tuple(s["seed_key"])}) for s in data.pop("stages"))
        types = tuple((str(name), float(share)) for name, share in data.pop("workflow_types", ()))
        return cls(**data, stages=stages, workflow_types=types)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> GeneratorSpec:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
