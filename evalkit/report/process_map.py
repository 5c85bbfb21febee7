"""The process map: the study's process drawn with Graphviz, coloured by where it is busiest.

Steps are boxes (a system call names its system; a human task is rounded and names its staff
pool), waits are ellipses naming the event and its mean delay, decisions are diamonds (``×``
exclusive, ``○`` inclusive) whose edges carry the branch probability and label, rework loops are
dashed edges back with their probability and bound, exceptions are noted under the step. A mix
draws one cluster per workflow type with its share. Each step is filled by the utilisation of
its busiest resource (its system or staff pool, its consumer group, the pool that resolves its
exceptions) at the highest sustainable multiple, so the bottleneck shows on the map.

The builder takes plain data (the study and a ``resource -> utilisation`` mapping) and returns
a ``ProcessMap``: inline SVG, or a note saying why there is none (Graphviz not installed), never
an exception. SVG ids are prefixed so the map can sit beside the report's other inline SVGs.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from evalkit.units import format_duration

if TYPE_CHECKING:
    from evalkit.study import Step, Study
    from evalkit.study.workload import Process

__all__ = ["ProcessMap", "build_process_map", "step_resources", "utilisation_colour", "utilisation_by_resource"]

MISSING_NOTE = (
    "The process map needs Graphviz, which is not installed here "
    "(Debian: apt-get install graphviz, or make graphviz); the rest of the report is complete."
)
LEGEND = (
    "fill: utilisation of the step's busiest resource at the highest sustainable multiple "
    "(pale green idle, amber from 50%, red at 100%; grey: no figure). Dashed: waits and rework loops."
)
_RAMP = ((0.0, (0xE8, 0xF5, 0xE9)), (0.5, (0xFF, 0xF3, 0xC4)), (0.8, (0xFF, 0xCC, 0x80)), (1.0, (0xEF, 0x9A, 0x9A)))


@dataclass(frozen=True)
class ProcessMap:
    """The drawn map (``svg``) or the reason it is missing (``note``)."""

    svg: str | None
    note: str = ""
    #: Each step's busiest resource and its utilisation, as coloured (``None``: no figure for it).
    busiest: Mapping[str, tuple[str, float] | None] | None = None


def utilisation_by_resource(metrics: Mapping[str, float]) -> dict[str, float]:
    """``{"utilization:system:crm": 0.8, ...}`` (one cell's mean metrics) -> ``{"system:crm": 0.8, ...}``."""
    prefix = "utilization:"
    return {name[len(prefix) :]: value for name, value in metrics.items() if name.startswith(prefix)}


def utilisation_colour(utilisation: float | None) -> str:
    """A fill colour: pale green when idle, amber from 50%, red at 100% (grey when unknown)."""
    if utilisation is None or utilisation != utilisation:
        return "#eeeeee"
    value = max(0.0, min(1.0, utilisation))
    for (low, start), (high, end) in itertools.pairwise(_RAMP):
        if value <= high:
            share = (value - low) / (high - low)
            red, green, blue = (round(a + (b - a) * share) for a, b in zip(start, end, strict=True))
            return f"#{red:02x}{green:02x}{blue:02x}"
    return "#ef9a9a"


def step_resources(step: Step) -> list[str]:
    """The resources a step's work visits, by their names in the results."""
    resources = []
    if step.system is not None:
        resources.append(f"system:{step.system}")
    if step.staff is not None:
        resources.append(f"staff:{step.staff}")
    pool = getattr(step.exception, "pool", None)
    if pool is not None:
        resources.append(f"staff:{pool}")
    resources.append(f"consumers:{step.id}")
    return resources


def _busiest(step: Step, utilisation: Mapping[str, float]) -> tuple[str, float] | None:
    figures = [(name, utilisation[name]) for name in step_resources(step) if name in utilisation]
    figures = [(name, value) for name, value in figures if value == value]
    return max(figures, key=lambda item: item[1]) if figures else None


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _percent(value: float) -> str:
    return f"{value * 100:.3g}%"


def _step_label(step: Step, process: Process, busiest: tuple[str, float] | None) -> str:
    lines = [step.id]
    if step.system is not None:
        lines.append(f"system: {step.system}")
    elif step.staff is not None:
        lines.append(f"people: {step.staff}")
    elif step.wait is not None:
        event = process.event(step.wait)
        lines.append(f"wait: {event.name} ({event.kind}, mean {format_duration(event.delay.mean)})")
    if step.exception is not None:
        lines.append(f"exception {_percent(step.exception.probability)}: {step.exception.handling}")
    if busiest is not None:
        lines.append(f"busiest: {busiest[0]} {_percent(busiest[1])}")
    return "\n".join(lines)


def _process_dot(process: Process, prefix: str, utilisation: Mapping[str, float]) -> tuple[list[str], dict]:
    lines: list[str] = []
    busiest: dict[str, tuple[str, float] | None] = {}
    start, end = f"{prefix}start", f"{prefix}end"
    lines.append(f'"{start}" [label="start", shape=circle, width=0.5, fixedsize=true];')
    lines.append(f'"{end}" [label="end", shape=doublecircle, width=0.45, fixedsize=true];')
    followers: dict[str, list[str]] = {s.id: [] for s in process.steps}
    for step in process.steps:
        for before in step.after:
            followers.setdefault(before, []).append(step.id)
    for step in process.steps:
        node = f"{prefix}{step.id}"
        found = _busiest(step, utilisation)
        busiest[step.id] = found
        if step.is_gateway:
            lines.append(f'"{node}" [label="{_quote(step.id)}", shape=diamond, style=filled, fillcolor="#ffffff"];')
        else:
            shape = "ellipse" if step.wait is not None else "box"
            style = "filled,rounded" if step.staff is not None else "filled"
            if step.wait is not None:
                style = "filled,dashed"
            colour = "#ffffff" if step.wait is not None else utilisation_colour(found[1] if found else None)
            label = _quote(_step_label(step, process, found))
            lines.append(f'"{node}" [label="{label}", shape={shape}, style="{style}", fillcolor="{colour}"];')
        if not step.after:
            lines.append(f'"{start}" -> "{node}";')
        decided = step.decision is not None
        source = node
        if decided and not step.is_gateway:
            source = f"{node}/decision"
            mark = "×" if step.decision.kind == "exclusive" else "○"  # type: ignore[union-attr]
            lines.append(f'"{source}" [label="{mark}", shape=diamond, width=0.4, height=0.4, fixedsize=true];')
            lines.append(f'"{node}" -> "{source}";')
        if decided:
            for branch in step.decision.branches:  # type: ignore[union-attr]
                target = end if branch.to == "end" else f"{prefix}{branch.to}"
                text = _percent(branch.probability) + (f" {branch.label}" if branch.label else "")
                lines.append(f'"{source}" -> "{target}" [label="{_quote(text)}"];')
        else:
            for follower in followers.get(step.id, []):
                lines.append(f'"{node}" -> "{prefix}{follower}";')
            if not followers.get(step.id):
                lines.append(f'"{node}" -> "{end}";')
        if step.rework is not None:
            rework = step.rework
            text = f"rework {_percent(rework.probability)}, ≤{rework.max}×"
            lines.append(
                f'"{node}" -> "{prefix}{rework.to}" [label="{_quote(text)}", style=dashed, constraint=false, color="#8d6e63"];'
            )
    return lines, busiest


def process_dot(study: Study, utilisation: Mapping[str, float] | None = None) -> tuple[str, dict]:
    """The Graphviz DOT text of the study's process, and each step's busiest resource."""
    utilisation = utilisation or {}
    lines = [
        "digraph process {",
        'graph [rankdir=LR, fontname="Helvetica", fontsize=10, nodesep=0.3, ranksep=0.35];',
        'node [fontname="Helvetica", fontsize=9, margin="0.08,0.04"];',
        'edge [fontname="Helvetica", fontsize=8, color="#546e7a"];',
    ]
    busiest: dict[str, tuple[str, float] | None] = {}
    processes = study.workload.processes
    for index, process in enumerate(processes):
        body, found = _process_dot(process, f"t{index}:" if len(processes) > 1 else "", utilisation)
        busiest.update(found)
        if len(processes) > 1:
            share = f" ({_percent(process.share)} of arrivals)" if process.share is not None else ""
            lines.append(f'subgraph "cluster_{index}" {{ label="{_quote(process.name + share)}"; style=rounded;')
            lines.extend(body)
            lines.append("}")
        else:
            lines.extend(body)
    lines.append(f'label="{_quote(LEGEND)}"; labelloc=b; fontsize=8;')
    lines.append("}")
    return "\n".join(lines), busiest


def _inline(svg: str) -> str:
    """Graphviz's SVG without its prolog, ids prefixed, scaled to the page's width."""
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\b(id|xlink:href|href)="(#?)', lambda m: f'{m.group(1)}="{m.group(2)}process-map-', svg)
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg width="100%"', svg, count=1)
    return svg.strip()


def build_process_map(study: Study, utilisation: Mapping[str, float] | None = None) -> ProcessMap:
    """Draw the study's process; ``utilisation`` maps resource names to their busy share (0..1).

    Pass the utilisations measured or simulated at the highest sustainable multiple (the
    ``utilization:<resource>`` metrics without their prefix); steps with no figure are grey.
    """
    dot, busiest = process_dot(study, utilisation)
    try:
        import graphviz
    except ImportError:
        return ProcessMap(svg=None, note=MISSING_NOTE, busiest=busiest)
    try:
        svg = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
    except (graphviz.ExecutableNotFound, graphviz.CalledProcessError, OSError):
        return ProcessMap(svg=None, note=MISSING_NOTE, busiest=busiest)
    return ProcessMap(svg=_inline(svg), busiest=busiest)
