"""The mapping file: what BPMN lacks (systems, durations, probabilities), keyed by BPMN ids or names.

Every key may be a BPMN element's ``id`` or its ``name``. The values use the study's own syntax
(units, distributions) and are checked when the imported study is validated.

```yaml
study: {name: claims, traffic: {...}, slo: {...}, candidates: [...]}  # copied to the study
systems: {crm: {domain: sales, capacity: 20, service_time: {dist: exponential, mean: 200ms}}}
staff: {adjusters: 12}                    # staff pool -> people at once
lanes: {Claims handlers: adjusters}       # a lane's user tasks are done by this pool
tasks: {Check policy: {system: policy-admin, service_time: {dist: constant, value: 2s}}}
flows: {Flow_0x1: 12%}                    # a sequence flow out of a decision -> its probability
loops: {Rework needed?: 3}                # a gateway that loops back -> at most this many passes
events: {Documents received: {dist: lognormal, mean: 2d, cv: 0.9}}  # a wait -> its delay
processes: {Straight-through: 70%}        # a pool or process of a mix -> its share
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, PositiveInt

from evalkit.study.base import Model
from evalkit.study.loader import _validate  # the loader's one way of turning pydantic errors into lines
from evalkit.study.yamlfile import read_yaml
from evalkit.units import Fraction

__all__ = ["Mapping", "load_mapping"]


class Mapping(Model):
    """Numbers and names for an imported BPMN process."""

    study: dict[str, Any] = Field(default_factory=dict, description="top-level study keys copied as they are")
    systems: dict[str, dict[str, Any]] = Field(default_factory=dict, description="system name -> its fields")
    staff: dict[str, PositiveInt] = Field(default_factory=dict, description="staff pool -> capacity")
    lanes: dict[str, str] = Field(default_factory=dict, description="lane name -> staff pool")
    tasks: dict[str, dict[str, Any]] = Field(default_factory=dict, description="task id or name -> step fields")
    flows: dict[str, Fraction] = Field(default_factory=dict, description="sequence flow id or name -> probability")
    loops: dict[str, PositiveInt] = Field(default_factory=dict, description="loop gateway id or name -> max passes")
    events: dict[str, dict[str, Any]] = Field(default_factory=dict, description="wait id or name -> delay")
    processes: dict[str, Fraction] = Field(default_factory=dict, description="process or pool id or name -> share")

    @staticmethod
    def pick(table: dict[str, Any], element_id: str, name: str) -> Any:
        """The entry for an element: by id first, then by name (None if neither)."""
        if element_id in table:
            return table[element_id]
        return table.get(name) if name else None


def load_mapping(path: str | Path | None) -> Mapping:
    """Read and validate a mapping file (an empty mapping when ``path`` is None)."""
    if path is None:
        return Mapping()
    data, lines = read_yaml(path)
    return _validate(Mapping, data, lines, Path(path))
