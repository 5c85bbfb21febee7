"""The design parameters a calibration may fit, and a study with fitted values applied.

Each design has its own: the orchestration tier's per-transition time and its effective worker
concurrency (centralized, federated), the broker's latency (event-driven), and for every design a
black-box **overhead** per workflow (``overhead``): time the platform adds that no step timing
shows. A ``count`` parameter (workers, connections, partitions) is fitted as a whole number; a
``time`` parameter as seconds. ``default_fit`` names the parameters fitted when the user names
none: the tier's time per transition and its concurrency, or the broker latency.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from evalkit.design import Delay, DesignSpec, design_spec
from evalkit.dists import constant
from evalkit.errors import InputError
from evalkit.study import Study

__all__ = ["FITTABLE", "OVERHEAD", "Parameter", "apply", "assumed", "default_fit", "fitted_spec"]

OVERHEAD = "overhead"


@dataclass(frozen=True)
class Parameter:
    """One fittable parameter: its name in the candidate's ``parameters`` (or ``overhead``)."""

    name: str
    kind: Literal["count", "time"]
    meaning: str


def _count(name: str, meaning: str) -> Parameter:
    return Parameter(name, "count", meaning)


def _time(name: str, meaning: str) -> Parameter:
    return Parameter(name, "time", meaning)


_OVERHEAD = _time(OVERHEAD, "black-box time the platform adds per workflow")

FITTABLE: dict[str, tuple[Parameter, ...]] = {
    "centralized": (
        _count("engine_workers", "effective worker concurrency of the engine"),
        _time("dispatch_time", "engine time per transition"),
        _time("persist_time", "state-store time per transition"),
        _count("store_connections", "effective state-store concurrency"),
        _OVERHEAD,
    ),
    "federated": (
        _count("controller_workers", "effective worker concurrency of each controller"),
        _time("dispatch_time", "controller time per transition"),
        _time("persist_time", "domain-store time per transition"),
        _time("coordinator_time", "coordinator time per handoff"),
        _count("coordinator_workers", "effective coordinator concurrency"),
        _time("handoff_latency", "delay per cross-domain handoff"),
        _OVERHEAD,
    ),
    "event-driven": (
        _time("publish_latency", "broker time per event"),
        _time("consume_latency", "delay from publish to delivery"),
        _count("consumer_concurrency", "consumers per step's group"),
        _count("partitions", "broker partitions"),
        _OVERHEAD,
    ),
}

_DEFAULT_FIT = {
    "centralized": ("engine_workers", "dispatch_time"),
    "federated": ("controller_workers", "dispatch_time"),
    "event-driven": ("publish_latency",),
}


def parameter(design: str, name: str) -> Parameter:
    """The fittable parameter ``name`` of a design; a one-line error names the allowed ones."""
    for found in FITTABLE[design]:
        if found.name == name:
            return found
    allowed = ", ".join(p.name for p in FITTABLE[design])
    raise InputError(f"--fit/--fix: {name!r} is not a fittable {design} parameter; allowed: {allowed}")


def default_fit(design: str) -> tuple[str, ...]:
    return _DEFAULT_FIT[design]


def assumed(study: Study, candidate: str, name: str) -> float:
    """The study's value of a parameter (0 for the overhead, which studies do not carry)."""
    if name == OVERHEAD:
        return 0.0
    return float(getattr(study.candidate(candidate).parameters, name))


def apply(study: Study, candidate: str, values: dict[str, float]) -> Study:
    """The study with the candidate's parameters set to ``values`` (counts rounded; overhead ignored)."""
    found = study.candidate(candidate)
    update = {}
    for name, value in values.items():
        if name == OVERHEAD:
            continue
        kind = parameter(found.design, name).kind
        update[name] = max(1, round(value)) if kind == "count" else max(0.0, float(value))
    changed = found.model_copy(update={"parameters": found.parameters.model_copy(update=update)})
    candidates = tuple(changed if c.name == candidate else c for c in study.candidates)
    return study.model_copy(update={"candidates": candidates})


def fitted_spec(study: Study, candidate: str, values: dict[str, float]) -> DesignSpec:
    """The design spec with ``values`` applied; the overhead becomes a delay at the start."""
    spec = design_spec(apply(study, candidate, values), candidate)
    overhead = values.get(OVERHEAD, 0.0)
    if overhead > 0:
        spec = replace(spec, start=(Delay(constant(overhead)), *spec.start))
    return spec
