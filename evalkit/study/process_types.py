"""Service levels of one workflow type in a mix.

A study with several workflow types (``process`` as a list: straight-through and referred
claims) may hold each type to its own SLO: ``slo`` on the type, or ``slo.types.NAME`` in the
study's SLO. Either is a ``TypeSlo``: the fields it gives replace the study's for that type,
the others are inherited. The study's own ``slo`` keeps judging the whole (``all``).
"""

from __future__ import annotations

from pydantic import Field

from evalkit.study.base import Model
from evalkit.units import Duration, Fraction

__all__ = ["TypeSlo"]


class TypeSlo(Model):
    """One workflow type's SLO; a missing field is inherited from the study's ``slo``."""

    p95_cycle_time: Duration | None = Field(default=None, gt=0, description="this type's 95th percentile target")
    p99_cycle_time: Duration | None = Field(default=None, gt=0, description="this type's 99th percentile target")
    max_error_rate: Fraction | None = Field(default=None, ge=0, le=1, description="this type's failed or lost share")
