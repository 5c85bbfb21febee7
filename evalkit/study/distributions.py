"""Service-time distributions as written in a study, each knowing its own mean and variance.

A study writes ``{dist: lognormal, mean: 2s, cv: 1.5}``; the model here validates it, exposes
``mean`` and ``variance`` in seconds (so tests can compare a simulation with queueing theory) and
``cv2``, the squared coefficient of variation the Pollaczek-Khinchine formula needs. Drawing
samples is the job of ``evalkit.dists``; these are specifications only.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, PositiveFloat, ValidationInfo, field_validator, model_validator

from evalkit.errors import shorten
from evalkit.study.base import Model
from evalkit.units import SECONDS_PER, Duration, units_required

__all__ = [
    "ConstantDistribution",
    "ExponentialDistribution",
    "LognormalDistribution",
    "EmpiricalDistribution",
    "Distribution",
]


class _Spec(Model):
    @property
    def variance(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def cv2(self) -> float:
        """Squared coefficient of variation: variance / mean²."""
        return self.variance / self.mean**2 if self.mean > 0 else 0.0  # type: ignore[attr-defined]

    def scaled(self, factor: float) -> _Spec:
        """The same shape with every duration multiplied by ``factor``."""
        raise NotImplementedError


class ConstantDistribution(_Spec):
    """Always the same duration (deterministic service: the D in M/D/1)."""

    dist: Literal["constant"]
    value: Duration = Field(ge=0, description="the duration every time (250ms, 2s…)")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def scaled(self, factor: float) -> ConstantDistribution:
        return self.model_copy(update={"value": self.value * factor})


class ExponentialDistribution(_Spec):
    """Memoryless durations with the given mean (the M in M/M/c); cv = 1."""

    dist: Literal["exponential"]
    mean: Duration = Field(gt=0, description="mean duration")

    @property
    def variance(self) -> float:
        return self.mean**2

    def scaled(self, factor: float) -> ExponentialDistribution:
        return self.model_copy(update={"mean": self.mean * factor})


class LognormalDistribution(_Spec):
    """Right-skewed durations given by their mean and coefficient of variation (sd / mean)."""

    dist: Literal["lognormal"]
    mean: Duration = Field(gt=0, description="mean duration")
    cv: PositiveFloat = Field(le=100, description="coefficient of variation: standard deviation / mean")

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    @property
    def sigma(self) -> float:
        """Shape of the underlying normal: sqrt(ln(1 + cv²))."""
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        """Location of the underlying normal: ln(mean) - sigma²/2."""
        return math.log(self.mean) - self.sigma**2 / 2

    def scaled(self, factor: float) -> LognormalDistribution:
        return self.model_copy(update={"mean": self.mean * factor})


class EmpiricalDistribution(_Spec):
    """Durations resampled uniformly from observed values (e.g. from a process-mining export)."""

    dist: Literal["empirical"]
    samples: tuple[Duration, ...] = Field(min_length=1, max_length=100_000, description="observed durations")
    unit: str | None = Field(
        default=None, description="the unit of samples written as plain numbers (s, ms, min, h, d): an export's column"
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_unit(cls, data: object, info: ValidationInfo) -> object:
        # A process-mining export is a column of plain numbers in one unit: ``unit: min`` says which,
        # once, instead of a unit on each of 10,000 samples. It is consumed here, so the model holds
        # seconds and ``unit`` stays None (a round-trip of the model never converts twice).
        if not isinstance(data, dict):
            return data
        if data.get("unit") is None:
            samples = data.get("samples")
            if units_required(info.context) and isinstance(samples, list | tuple):
                plain = [s for s in samples if isinstance(s, int | float) and not isinstance(s, bool) and s != 0]
                if plain:
                    # One line for the whole column, not one per sample.
                    raise ValueError(
                        f"{len(plain)} sample(s) have no unit (first {plain[0]!r}): "
                        "say the column's unit once with 'unit: s' (or ms, min, h, d), or write each as '4 s'"
                    )
            return data
        unit = str(data["unit"]).strip().lower()
        if unit not in SECONDS_PER:
            raise ValueError(f"unit {shorten(data['unit'])} is not a duration unit; allowed: s, ms, min, h, d")
        samples = data.get("samples")
        if isinstance(samples, list | tuple):
            samples = [
                f"{s!r} {unit}" if isinstance(s, int | float) and not isinstance(s, bool) else s for s in samples
            ]
        return {**{k: v for k, v in data.items() if k != "unit"}, "samples": samples}

    @field_validator("samples")
    @classmethod
    def _non_negative(cls, samples: tuple[float, ...]) -> tuple[float, ...]:
        if any(s < 0 for s in samples):
            raise ValueError("every sample must be a duration >= 0")
        return samples

    @property
    def mean(self) -> float:
        return math.fsum(self.samples) / len(self.samples)

    @property
    def variance(self) -> float:
        mean = self.mean
        return math.fsum((s - mean) ** 2 for s in self.samples) / len(self.samples)

    def scaled(self, factor: float) -> EmpiricalDistribution:
        return self.model_copy(update={"samples": tuple(s * factor for s in self.samples)})


Distribution = Annotated[
    ConstantDistribution | ExponentialDistribution | LognormalDistribution | EmpiricalDistribution,
    Field(discriminator="dist"),
]
