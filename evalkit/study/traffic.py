"""Traffic, service levels, baseline KPIs and fault scenarios of a study.

Traffic is an **open** arrival stream: a peak rate (workflows started per second), scaled by each
load multiple, optionally shaped over time by a profile (a Black Friday surge), with Poisson
arrivals unless the study says ``constant``. The SLOs are what "sustainable" is judged against.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Literal

from pydantic import (
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from evalkit.study.base import Model
from evalkit.study.process_types import TypeSlo
from evalkit.units import Duration, Fraction, Rate

__all__ = [
    "FlatProfile",
    "SpikeProfile",
    "PiecewiseProfile",
    "Profile",
    "Traffic",
    "Slo",
    "Kpi",
    "Baseline",
    "Fault",
    "LoadSettings",
    "Costing",
]

DEFAULT_MULTIPLES = (1.0, 1.5, 2.0, 3.0, 4.0)
#: A bound on one replication's work, so a typo in a rate or horizon cannot hang a sweep.
MAX_WORKFLOWS_PER_REPLICATION = 20_000_000


class FlatProfile(Model):
    """The rate is the peak rate (times the multiple) all the time.

    Every profile answers ``share(t)``: the rate at time t as a share of peak.
    """

    kind: Literal["flat"] = "flat"

    def share(self, t: float) -> float:
        return 1.0

    @property
    def max_share(self) -> float:
        return 1.0


class SpikeProfile(Model):
    """A surge: from ``base`` of peak, ramp to ``factor`` × peak, hold, ramp back down."""

    kind: Literal["spike"]
    base: PositiveFloat = Field(default=1.0, le=100, description="rate outside the spike, as a share of peak")
    factor: PositiveFloat = Field(le=100, description="rate at the top of the spike, as a multiple of peak")
    at: Duration = Field(ge=0, description="when the ramp up starts")
    ramp: Duration = Field(default=0.0, ge=0, description="time to go from base to factor (and back)")
    hold: Duration = Field(gt=0, description="time at the top")

    def share(self, t: float) -> float:
        rise_end = self.at + self.ramp
        fall_start = rise_end + self.hold
        if t < self.at or t >= fall_start + self.ramp:
            return self.base
        if t < rise_end:
            return self.base + (self.factor - self.base) * (t - self.at) / self.ramp
        if t < fall_start:
            return self.factor
        return self.factor - (self.factor - self.base) * (t - fall_start) / self.ramp

    @property
    def max_share(self) -> float:
        return max(self.base, self.factor)


class PiecewiseProfile(Model):
    """Rate share of peak at given times, linearly interpolated, held after the last point."""

    kind: Literal["piecewise"]
    points: tuple[tuple[Duration, Annotated[float, Field(ge=0, le=100)]], ...] = Field(min_length=1)

    @field_validator("points")
    @classmethod
    def _increasing(cls, points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        times = [t for t, _ in points]
        if times != sorted(times) or len(set(times)) != len(times):
            raise ValueError("times must be strictly increasing")
        return points

    def share(self, t: float) -> float:
        points = self.points
        if t <= points[0][0]:
            return points[0][1]
        for (t0, f0), (t1, f1) in itertools.pairwise(points):
            if t < t1:
                return f0 + (f1 - f0) * (t - t0) / (t1 - t0)
        return points[-1][1]

    @property
    def max_share(self) -> float:
        return max(f for _, f in self.points)


Profile = Annotated[FlatProfile | SpikeProfile | PiecewiseProfile, Field(discriminator="kind")]


class Traffic(Model):
    """Today's peak, how arrivals come, and the multiples and statistics of the sweep."""

    peak_rate: Rate = Field(gt=0, description="today's peak: workflows started per second (40/s, 1200/h)")
    arrivals: Literal["poisson", "constant"] = Field(default="poisson", description="arrival process")
    multiples: tuple[PositiveFloat, ...] = Field(
        default=DEFAULT_MULTIPLES, min_length=1, max_length=50, description="load multiples of peak to test"
    )
    profile: Profile = Field(default_factory=FlatProfile, description="rate over time, as a share of peak")
    horizon: Duration = Field(gt=0, description="simulated time per replication, warm-up included")
    warmup: Duration = Field(ge=0, description="initial time whose starts are not counted")
    replications: PositiveInt = Field(default=10, le=10_000, description="independent replications per cell")

    @field_validator("multiples")
    @classmethod
    def _sorted_unique(cls, multiples: tuple[float, ...]) -> tuple[float, ...]:
        if len(set(multiples)) != len(multiples):
            raise ValueError("multiples must not repeat")
        return tuple(sorted(multiples))

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> Traffic:
        if self.warmup >= self.horizon:
            raise ValueError(f"warmup ({self.warmup:g} s) must be shorter than horizon ({self.horizon:g} s)")
        expected = self.peak_rate * max(self.multiples) * self.profile.max_share * self.horizon
        if expected > MAX_WORKFLOWS_PER_REPLICATION:
            raise ValueError(
                f"peak_rate × largest multiple × horizon is about {expected:.3g} workflows per replication; "
                f"at most {MAX_WORKFLOWS_PER_REPLICATION:,} are simulated: shorten the horizon"
            )
        return self

    def rate_at(self, multiple: float, t: float) -> float:
        """Arrival rate per second at simulated time ``t`` for a load multiple."""
        return self.peak_rate * multiple * self.profile.share(t)


class Slo(Model):
    """The service levels a candidate must meet to be called sustainable at a load."""

    p95_cycle_time: Duration = Field(gt=0, description="95th percentile start-to-completion time")
    p99_cycle_time: Duration | None = Field(default=None, gt=0, description="optional 99th percentile")
    max_error_rate: Fraction = Field(default=0.01, ge=0, le=1, description="failed or lost share of workflows")
    types: dict[str, TypeSlo] = Field(
        default_factory=dict, description="per workflow type of a mix: overrides of these SLOs for that type"
    )


# Parsed by Kpi._parse_units, which knows from the metric whether it is a duration or a fraction.
_KpiValue = Annotated[
    float,
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}], "description": "a duration or a fraction"}),
]


class Kpi(Model):
    """A business KPI: today's value and the target the study sets (cycle time 14 d → 8 d)."""

    name: str = Field(min_length=1, max_length=120)
    metric: Literal[
        "cycle_time_mean", "cycle_time_p50", "cycle_time_p95", "error_rate", "manual_interventions_per_workflow"
    ]
    today: _KpiValue = Field(description="today's value: a duration (14d) or a fraction (12%)")
    target: _KpiValue = Field(description="the value the study aims for, in the same unit")
    at_multiple: PositiveFloat = Field(default=1.0, description="load multiple the prediction is read at")

    @model_validator(mode="before")
    @classmethod
    def _parse_units(cls, data: object, info: ValidationInfo) -> object:
        from evalkit.units import parse_duration, parse_fraction, unitless_duration_message, units_required

        if isinstance(data, dict):
            plain = str(data.get("metric", "")).startswith(("error", "manual"))
            parse = parse_fraction if plain else parse_duration
            data = dict(data)
            for key in ("today", "target"):
                value = data.get(key)
                # A cycle time in a file needs its unit, like every other duration (zero excepted).
                bare = isinstance(value, int | float) and not isinstance(value, bool) and value != 0
                if not plain and bare and units_required(info.context):
                    raise ValueError(f"{key}: {unitless_duration_message(value)}")
                if key in data and isinstance(data[key], str):
                    try:
                        data[key] = parse(data[key])
                    except Exception as error:  # noqa: BLE001 - re-raised as a field error
                        raise ValueError(f"{key}: {error}") from None
        return data


class Baseline(Model):
    """Today's KPIs and the study's targets."""

    kpis: tuple[Kpi, ...] = Field(min_length=1, max_length=50)


class Fault(Model):
    """An injected outage, run as its own scenario beside the fault-free baseline.

    ``component`` is ``engine`` (centralized), ``coordinator`` (federated), ``broker``
    (event-driven), ``control-plane`` (whichever of those the design has), ``controller:DOMAIN``
    (federated) or ``system:NAME`` (any design).
    """

    name: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_\-]*$")]
    component: str = Field(min_length=1, max_length=120)
    at: Duration = Field(ge=0, description="when the outage starts (simulated time)")
    duration: Duration = Field(gt=0, description="how long it lasts")
    multiples: tuple[PositiveFloat, ...] = Field(
        default=(1.0,), min_length=1, max_length=50, description="load multiples this fault scenario is run at"
    )

    @field_validator("name")
    @classmethod
    def _not_baseline(cls, name: str) -> str:
        if name == "baseline":
            raise ValueError("'baseline' is the fault-free scenario; choose another name")
        return name


class LoadSettings(Model):
    """How a load test runs each stage against a live target."""

    stage_warmup: Duration = Field(default=3.0, ge=0, description="discarded start of each stage")
    stage_duration: Duration = Field(default=20.0, gt=0, le=86400, description="measured window of each stage")
    drain_timeout: Duration = Field(default=10.0, ge=0, description="wait for in-flight workflows after a stage")
    time_scale: PositiveFloat = Field(
        default=1.0, description="reference platform: real seconds per simulated second (0.001 runs days in minutes)"
    )
    max_in_flight: PositiveInt = Field(default=2000, le=100_000, description="bounded pool of arrival greenlets")
    max_requests: PositiveInt = Field(default=200_000, description="hard cap on workflow starts per stage")
    abort_on_breach: bool = Field(default=False, description="stop the ramp once a stage breaks the SLO")


class Costing(Model):
    """How total cost of ownership is computed for every candidate."""

    currency: str = Field(default="EUR", min_length=1, max_length=8)
    horizon_years: PositiveFloat = Field(default=3.0, le=30, description="TCO horizon")
    target_multiple: PositiveFloat = Field(default=3.0, description="load multiple infrastructure is sized for")
    hourly_rate: PositiveFloat = Field(default=120.0, description="cost of one hour of implementation work")
