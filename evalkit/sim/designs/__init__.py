"""The design models, one module each, found by name.

``design_class("event-driven")`` returns the ``Design`` subclass whose ``name`` is
``"event-driven"``. The registry imports the modules of this package on first use and collects
their ``Design`` subclasses, so adding a design is adding one module (and its parameters to
``evalkit.study.candidates``); nothing here lists the designs by hand.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from evalkit.errors import SimulationError
from evalkit.sim.designs.base import Design

__all__ = ["Design", "design_class", "design_names"]


@cache
def _registry() -> dict[str, type[Design]]:
    found: dict[str, type[Design]] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    pending = list(Design.__subclasses__())
    while pending:
        design = pending.pop()
        pending.extend(design.__subclasses__())
        if design.name:
            found[design.name] = design
    return found


def design_names() -> tuple[str, ...]:
    """Every design a candidate may name, sorted."""
    return tuple(sorted(_registry()))


def design_class(name: str) -> type[Design]:
    """The model of the design called ``name``."""
    try:
        return _registry()[name]
    except KeyError:
        raise SimulationError(f"no simulation model for design {name!r}; known: {', '.join(design_names())}") from None
