"""The base every study and scorecard model derives from: frozen, strict about unknown keys.

Frozen because a validated study is shared by the simulation, the load test and the report, and
none of them may change it under the others. ``extra="forbid"`` because a misspelt key in a
study file is a silent misconfiguration otherwise; the loader turns it into "did you mean".
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Model"]


class Model(BaseModel):
    """A frozen pydantic model that refuses keys it does not know."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
